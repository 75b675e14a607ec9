package org.dl4jopt.parallel.onebit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.IndexedTail;
import org.deeplearning4j.optimize.solvers.accumulation.Registerable;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.dl4jopt.onebit.MomentumMask;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.onebit.OneBitAdamUpdater;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Multi-worker 1-bit Adam on DL4J's {@code ParallelWrapper} through its public {@code TrainingMode.CUSTOM} route
 * (spec Part A; Tang et al., arXiv 2102.02888). Use {@link #wrap}, or build the wrapper with
 * {@code .trainingMode(CUSTOM).gradientsAccumulator(acc)} and add {@code acc} as a listener.
 *
 * <p>The exchange happens where the paper puts it: on the gradient, <em>before</em> each worker's updater (this class
 * is also a {@code TrainingListener}; {@code onGradientCalculation} runs on each worker thread after backprop and
 * before the updater):
 * <ul>
 * <li>Warm-up ({@code t <= freezeStep}) and every parameter that is not {@link OneBitAdam}'s: the workers' per-example
 * mean gradients are averaged in full precision (reduce-scatter + all-gather) and every worker's updater runs on the
 * same average, so m, v and the update are identical on all workers: the paper's all-reduced Adam warm-up.</li>
 * <li>Compression ({@code t > freezeStep}): each worker forms its local momentum
 * {@code m_r = b1 m + (1-b1) g_r} from its updater's state ({@code m}, identical on all workers) and its local
 * gradient; the two-stage 1-bit all-reduce ({@link OneBitExchange}, packed signs + fp32 scales, worker and server
 * error feedback, worker r serving chunk r) gives every worker the same {@code m̄}; the gradient handed to the
 * updater is replaced by {@code (m̄ - b1 m) / (1-b1)}, so the updater's own momentum step lands on {@code m̄} (to one
 * float rounding, identically on all workers) and it applies {@code lr m̄ / (sqrt(v) + eps)} with the shared frozen
 * v: the paper's step. The compressed unit is the concatenation of all OneBitAdam parameters of the network. With
 * {@link OneBitAdam.Builder#momentumMaskThreshold} {@code tau > 0} the mask is computed once per plan at the first
 * compressed step from the concatenated frozen v (identical on all workers) and applied inside the exchange.</li>
 * </ul>
 * The post-updater updates are therefore already identical; the {@code GradientsAccumulator} part applies each
 * worker's own update (DL4J's stock decoders would sum them).
 *
 * <p>State: m, v, t in the network's updater state array (identical on all workers, saved/restored/cloned by DL4J);
 * the error buffers and byte counters in this accumulator's {@link OneBitExchange}, kept across {@code fit} calls of
 * the same wrapper and not saved with the model (a restored model restarts them at 0, as DeepSpeed does on load).
 */
// "try": every try-with-resources here opens an ND4J workspace scope used for its extent only, never referenced
@SuppressWarnings("try")
public class OneBitAllReduceAccumulator extends BaseTrainingListener implements GradientsAccumulator, Registerable {
    private static final long serialVersionUID = 1L;
    /** Default barrier timeout: generous, a step on a busy machine plus the replicas' start-up. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 10 * 60 * 1000L;

    private final int workers;
    private final ExchangedQuantity quantity;
    private final transient OneBitExchange exchange;
    private final transient Map<Thread, Integer> ranks = new HashMap<>();
    private final transient Map<Model, Plan> plans = new IdentityHashMap<>();
    private transient IndexedTail externalSource;
    private transient MultiLayerNetwork wrappedNetwork;
    private transient org.deeplearning4j.nn.api.Updater wrappedUpdater;
    private volatile long compressedSteps;
    private volatile long fullPrecisionSteps;
    private volatile long maskedEntries = -1;

    public OneBitAllReduceAccumulator(int workers) {
        this(workers, ExchangedQuantity.MOMENTUM, DEFAULT_TIMEOUT_MILLIS);
    }

    public OneBitAllReduceAccumulator(int workers, ExchangedQuantity quantity, long timeoutMillis) {
        this.workers = workers;
        this.quantity = quantity;
        this.exchange = new OneBitExchange(workers, timeoutMillis);
    }

    /**
     * A {@code ParallelWrapper} with {@link #workers()} workers training {@code model} through this accumulator.
     * DL4J M2.1 workaround (MultiLayerNetwork): worker 0 trains the original network and calls {@code clear()} on it
     * when a {@code fit} ends, which drops its updater (and the 1-bit Adam state m, v, t); the next {@code fit} then
     * deadlocks (a replica creates the updater under the network's lock while worker 0 holds it, waiting at the
     * barrier) or silently restarts from zero state. This accumulator keeps the updater created here and re-attaches it
     * when the wrapper resets it at the end of every fit (DL4J issues #6519 and #5876).
     */
    public ParallelWrapper wrap(Model model, int prefetchBuffer) {
        if (model instanceof MultiLayerNetwork) {
            wrappedNetwork = (MultiLayerNetwork) model;
            wrappedUpdater = wrappedNetwork.getUpdater();
        } else if (model instanceof ComputationGraph) ((ComputationGraph) model).getUpdater();
        else throw new IllegalArgumentException("MultiLayerNetwork or ComputationGraph expected, got " + model);
        ParallelWrapper pw = new ParallelWrapper.Builder<>(model)
                .workers(workers)
                .prefetchBuffer(prefetchBuffer)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                .gradientsAccumulator(this)
                .build();
        pw.setListeners(this);
        return pw;
    }

    public int workers() {
        return workers;
    }

    public ExchangedQuantity quantity() {
        return quantity;
    }

    /** The collective: byte counters ({@link OneBitExchange#bytesSent}) and error buffers per rank. */
    public OneBitExchange exchange() {
        return exchange;
    }

    /** Steps exchanged with 1-bit compression / in full precision (counted once per step, by rank 0). */
    public long compressedSteps() {
        return compressedSteps;
    }

    public long fullPrecisionSteps() {
        return fullPrecisionSteps;
    }

    /**
     * Entries of the compressed unit held at {@code m = 0} by {@link OneBitAdam}'s momentum mask (rank 0's count, the
     * same on every worker), or -1 before the first compressed step / without a mask.
     */
    public long maskedEntries() {
        return maskedEntries;
    }

    // ------------------------------------------------------------------ the exchange, before the updater

    @Override
    public void onGradientCalculation(Model model) {
        int rank = rankOfCurrentThread(true);
        Plan plan;
        synchronized (plans) {
            plan = plans.get(model);
        }
        if (plan == null) {
            plan = new Plan(model); // reads only this worker's own model
            synchronized (plans) {
                plans.put(model, plan);
            }
        }
        double batch = model.batchSize();
        for (INDArray d : plan.divided) d.divi(batch); // DL4J divides by the minibatch in the updater
        long t = plan.stepsDone();
        boolean compress = !plan.units.isEmpty() && t + 1 > plan.freezeStep && exchange.participantsAll();
        if (!compress) {
            exchange.meanAllReduce(rank, plan.gradient);
            if (rank == 0) fullPrecisionSteps++;
        } else {
            if (plan.rest != null) {
                plan.gatherRest();
                exchange.meanAllReduce(rank, plan.rest);
                plan.scatterRest();
            }
            for (Unit u : plan.units) u.localMomentum(quantity);
            exchange.compressedAllReduce(rank, plan.local, plan.average, plan.keep());
            for (Unit u : plan.units) u.injectGradient(quantity);
            if (rank == 0) compressedSteps++;
        }
        for (INDArray d : plan.divided) d.muli(batch);
    }

    private int rankOfCurrentThread(boolean register) {
        synchronized (ranks) {
            Integer r = ranks.get(Thread.currentThread());
            if (r != null) return r;
            if (!register) {
                throw new IllegalStateException("OneBitAllReduceAccumulator: this worker never reached the exchange. "
                        + "Add the accumulator as a training listener too (ParallelWrapper.setListeners(acc)), or "
                        + "build the wrapper with OneBitAllReduceAccumulator.wrap(model, prefetch).");
            }
            if (ranks.size() >= workers) {
                String msg = "accumulator built for " + workers + " workers, a worker number " + (ranks.size() + 1)
                        + " joined (build it with the wrapper's worker count)";
                exchange.abort(msg);
                throw new IllegalStateException("1-bit exchange aborted: " + msg);
            }
            ranks.put(Thread.currentThread(), ranks.size());
            return ranks.size() - 1;
        }
    }

    /** One OneBitAdam parameter: its gradient segment, its state, and its slice of the compressed unit. */
    private static final class Unit {
        final INDArray g;
        final OneBitAdamUpdater.StateViews state;
        final double beta1;
        final double epsilon;
        final INDArray local;
        final INDArray average;
        final INDArray den;
        private boolean denReady;

        Unit(INDArray g, OneBitAdamUpdater.StateViews state, OneBitAdam c, INDArray local, INDArray average) {
            this.g = g;
            this.state = state;
            this.beta1 = c.beta1();
            this.epsilon = c.epsilon();
            this.local = local;
            this.average = average;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                den = Nd4j.create(g.dataType(), g.length());
            }
        }

        /**
         * local = b1 m + (1-b1) g  [/ (sqrt(v) + eps)]. Called in the compression phase only, where v is frozen: the
         * denominator is computed once per plan, like the mask.
         */
        void localMomentum(ExchangedQuantity q) {
            local.assign(state.m).muli(beta1);
            Nd4j.exec(new Axpy(g, local, local, 1 - beta1));
            if (q == ExchangedQuantity.PRECONDITIONED_MOMENTUM) {
                if (!denReady) {
                    den.assign(state.v);
                    Transforms.sqrt(den, false).addi(epsilon);
                    denReady = true;
                }
                local.divi(den);
            }
        }

        /** g = (m̄ - b1 m) / (1-b1), so that the updater's b1 m + (1-b1) g is m̄. */
        void injectGradient(ExchangedQuantity q) {
            if (q == ExchangedQuantity.PRECONDITIONED_MOMENTUM) average.muli(den);
            g.assign(average);
            Nd4j.exec(new Axpy(state.m, g, g, -beta1));
            g.divi(1 - beta1);
        }
    }

    /** A OneBitAdam parameter found in the updater blocks: gradient view, state, config, offset in the unit. */
    private static final class Pending { // a class, not a record: this module's main code is Java 11
        private final INDArray g;
        private final OneBitAdamUpdater.StateViews state;
        private final OneBitAdam config;
        private final long offset;

        Pending(INDArray g, OneBitAdamUpdater.StateViews state, OneBitAdam config, long offset) {
            this.g = g;
            this.state = state;
            this.config = config;
            this.offset = offset;
        }

        INDArray g() {
            return g;
        }

        OneBitAdamUpdater.StateViews state() {
            return state;
        }

        OneBitAdam config() {
            return config;
        }

        long offset() {
            return offset;
        }
    }

    /** What the exchange needs of one worker's network, found once through its updater blocks. */
    private final class Plan {
        final INDArray gradient;
        final List<INDArray> divided = new ArrayList<>();
        final List<Unit> units = new ArrayList<>();
        final List<INDArray> restViews = new ArrayList<>();
        final INDArray rest;
        final INDArray local;
        final INDArray average;
        final long freezeStep;
        final double maskTau;
        private INDArray keep;

        Plan(Model model) {
            BaseMultiLayerUpdater<?> updater = model instanceof MultiLayerNetwork
                    ? (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) model).getUpdater()
                    : ((ComputationGraph) model).getUpdater();
            INDArray grad = model.getGradientsViewArray();
            gradient = grad.reshape(grad.length());
            boolean miniBatch = model.conf().isMiniBatch();
            long compressedLength = 0;
            long freeze = -1;
            double tau = -1;
            List<long[]> onebitRanges = new ArrayList<>();
            List<Pending> pending = new ArrayList<>();
            for (UpdaterBlock b : updater.getUpdaterBlocks()) {
                for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                    if (miniBatch && ps.getLayer().updaterDivideByMinibatch(ps.getParamName())) {
                        divided.add(view(ps.getParamOffsetStart(), ps.getParamOffsetEnd()));
                    }
                }
                GradientUpdater<?> gu = b.getGradientUpdater();
                if (!(gu instanceof OneBitAdamUpdater)) continue;
                OneBitAdamUpdater u = (OneBitAdamUpdater) gu;
                u.maskedByExchange(); // the exchange masks over its whole unit, not the updater per tensor
                OneBitAdam c = u.getConfig();
                if (c.compressSingleWorker()) {
                    throw new IllegalStateException("OneBitAdam.compressSingleWorker must be false under the "
                            + "multi-worker exchange (it would compress the exchanged momentum a second time)");
                }
                if (freeze >= 0 && freeze != c.freezeStep()) {
                    throw new IllegalStateException("All OneBitAdam layers of a network must share freezeStep under "
                            + "the multi-worker exchange (one compressed unit): found " + freeze + " and "
                            + c.freezeStep());
                }
                freeze = c.freezeStep();
                if (tau >= 0 && Double.compare(tau, c.momentumMaskThreshold()) != 0) {
                    throw new IllegalStateException("All OneBitAdam layers of a network must share "
                            + "momentumMaskThreshold under the multi-worker exchange (one compressed unit): found "
                            + tau + " and " + c.momentumMaskThreshold());
                }
                tau = c.momentumMaskThreshold();
                for (int i = 0; i < u.paramCount(); i++) {
                    long[] seg = u.segment(i);
                    long start = b.getParamOffsetStart() + seg[0];
                    onebitRanges.add(new long[] {start, start + seg[1]});
                    pending.add(new Pending(view(start, start + seg[1]), u.stateViews(i), c, compressedLength));
                    compressedLength += seg[1];
                }
            }
            freezeStep = freeze;
            maskTau = tau;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                local = compressedLength == 0 ? null : Nd4j.create(gradient.dataType(), compressedLength);
                average = compressedLength == 0 ? null : Nd4j.create(gradient.dataType(), compressedLength);
                long pos = 0;
                long restLength = 0;
                for (long[] r : onebitRanges) {
                    if (r[0] > pos) restViews.add(view(pos, r[0]));
                    restLength += Math.max(0, r[0] - pos);
                    pos = r[1];
                }
                if (pos < gradient.length()) {
                    restViews.add(view(pos, gradient.length()));
                    restLength += gradient.length() - pos;
                }
                rest = restLength == 0 ? null : Nd4j.create(gradient.dataType(), restLength);
            }
            for (Pending p : pending) {
                long off = p.offset();
                long end = off + p.g().length();
                units.add(new Unit(
                        p.g(),
                        p.state(),
                        p.config(),
                        local.get(NDArrayIndex.interval(off, end)),
                        average.get(NDArrayIndex.interval(off, end))));
            }
        }

        /** The momentum mask over the compressed unit (null without one), from the frozen v at the first call. */
        INDArray keep() {
            if (!(maskTau > 0)) return null;
            if (keep == null) {
                INDArray concatenatedV = average; // scratch: overwritten by the exchange next
                long off = 0;
                for (Unit u : units) {
                    concatenatedV
                            .get(NDArrayIndex.interval(off, off + u.g.length()))
                            .assign(u.state.v);
                    off += u.g.length();
                }
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    keep = Nd4j.create(local.dataType(), local.length());
                }
                long masked = MomentumMask.compute(concatenatedV, maskTau, keep);
                if (rankOfCurrentThread(false) == 0) maskedEntries = masked;
            }
            return keep;
        }

        private INDArray view(long from, long to) {
            return gradient.get(NDArrayIndex.interval(from, to));
        }

        /** Steps the OneBitAdam parameters have done; they must agree. */
        long stepsDone() {
            if (units.isEmpty()) return 0;
            long t = units.get(0).state.steps();
            for (Unit u : units) {
                if (u.state.steps() != t) {
                    throw new IllegalStateException("OneBitAdam parameters are at different steps (" + t + " and "
                            + u.state.steps() + "): every layer must be updated at every iteration");
                }
            }
            return t;
        }

        void gatherRest() {
            long pos = 0;
            for (INDArray v : restViews) {
                rest.get(NDArrayIndex.interval(pos, pos + v.length())).assign(v);
                pos += v.length();
            }
        }

        void scatterRest() {
            long pos = 0;
            for (INDArray v : restViews) {
                v.assign(rest.get(NDArrayIndex.interval(pos, pos + v.length())));
                pos += v.length();
            }
        }
    }

    // ------------------------------------------------------------------ GradientsAccumulator: apply own update

    /** The update is already the common one (the exchange ran before the updater); nothing to store. */
    @Override
    public void storeUpdate(INDArray array, int iterationNumber, int epochNumber) {
        rankOfCurrentThread(false);
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, boolean isFinalStep) {
        function.step(params, updates);
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, double alpha) {
        function.step(params, updates, alpha);
    }

    @Override
    public void receiveUpdate(INDArray array) {
        throw new UnsupportedOperationException(
                "OneBitAllReduceAccumulator exchanges inside each step; it does not " + "accept external updates");
    }

    @Override
    public void markExternalUpdates(boolean updatesAvailable) {}

    /**
     * Called by ParallelWrapper when a fit ends: its worker threads and replicas are discarded. Errors are kept; the
     * wrapped network gets its updater (with the state worker 0 kept updating) back.
     */
    @Override
    public void reset() {
        if (wrappedNetwork != null && wrappedNetwork.getUpdater(false) == null) {
            wrappedNetwork.setUpdater(wrappedUpdater);
        }
        synchronized (ranks) {
            ranks.clear();
        }
        synchronized (plans) {
            plans.clear();
        }
        exchange.participants(workers);
    }

    @Override
    public void touch() {}

    @Override
    public boolean hasAnything() {
        return false;
    }

    @Override
    public void setExternalSource(IndexedTail source) {
        this.externalSource = source;
    }

    @Override
    public IndexedTail getExternalSource() {
        return externalSource;
    }

    /** ParallelWrapper announces how many workers get data in the next round (fewer in the last one). */
    @Override
    public void registerConsumers(int numConsumers) {
        exchange.participants(numConsumers);
    }

    @Override
    public void fallbackToSingleConsumerMode(boolean reallyFallback) {}
}
