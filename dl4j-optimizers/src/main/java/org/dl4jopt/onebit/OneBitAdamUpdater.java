package org.dl4jopt.onebit;

import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The update rule of {@link OneBitAdam} for one updater block. Parameter {@code i}'s state slice is
 * {@code [t (4 digits) | m (n) | v (n)]}, followed by {@code workerErr (n') | serverErr (n')} only with single-worker compression
 * (the multi-worker exchange keeps its own error buffers, per worker).
 */
public class OneBitAdamUpdater extends ShapeAwareGradientUpdater<OneBitAdam> {
    private final TwoStageAllReduce[] compressors;
    /** Set by the multi-worker exchange, which applies the momentum mask itself over its whole compressed unit. */
    private boolean exchangeMasks;

    public OneBitAdamUpdater(OneBitAdam config) {
        super(config);
        compressors = new TwoStageAllReduce[layout.params().size()];
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        long n = p.length();
        INDArray m = state(index, "M"); // OneBitAdam's slice is its own: cached named views
        INDArray v = state(index, "V");
        long t = ExactCounter.increment(state(index, "t")); // O(1) host read per tensor and step; exact in every type
        double b1 = config.beta1();
        double b2 = config.beta2();
        m.muli(b1);
        Nd4j.exec(new Axpy(g, m, m, 1 - b1)); // m = b1 m + (1-b1) g
        INDArray w = workBuffer(0, index, g);
        boolean warmup = t <= config.freezeStep();
        if (warmup) {
            v.muli(b2);
            w.assign(g).muli(g);
            Nd4j.exec(new Axpy(w, v, v, 1 - b2)); // v = b2 v + (1-b2) g^2
        } else {
            // frozen v. Under the multi-worker exchange the mask is the exchange's (over the whole compressed unit)
            // and m already holds the masked average; on one worker it is this tensor's.
            double tau = exchangeMasks ? 0 : config.momentumMaskThreshold();
            INDArray keep = tau > 0 ? workBuffer(1, index, g) : null;
            if (keep != null) {
                MomentumMask.compute(v, tau, keep); // v is frozen: the same mask every step
                m.muli(keep);
            }
            if (config.compressSingleWorker()) {
                if (compressors[index] == null) compressors[index] = new TwoStageAllReduce(n, 1, g.dataType());
                INDArray workerErr = state(index, "workerErr");
                INDArray serverErr = state(index, "serverErr");
                compressors[index].apply(new INDArray[] {m}, new INDArray[] {workerErr}, new INDArray[] {serverErr});
                if (keep != null) { // masked: m = 0, errors held at 0 (W = 1: N' = chunk)
                    m.muli(keep);
                    workerErr.get(NDArrayIndex.interval(0, n)).muli(keep);
                    serverErr.get(NDArrayIndex.interval(0, n)).muli(keep);
                }
            }
        }
        double mScale = 1.0;
        double vScale = 1.0;
        if (warmup && config.biasCorrection()) {
            mScale = 1.0 / (1 - Math.pow(b1, t));
            vScale = 1.0 / (1 - Math.pow(b2, t));
            if (t == config.freezeStep()) { // freeze the corrected variance
                v.muli(vScale);
                vScale = 1.0;
            }
        }
        w.assign(v).muli(vScale);
        Transforms.sqrt(w, false).addi(config.epsilon());
        g.assign(m).divi(w).muli(lr * mScale); // update = lr * m / (sqrt(v) + eps)
    }

    /**
     * Called by the multi-worker exchange: it masks the exchanged momentum itself (one mask over all OneBitAdam
     * parameters of the network), so this updater must not mask again per tensor.
     */
    public void maskedByExchange() {
        exchangeMasks = true;
    }

    /** Live views of parameter {@code i}'s state, for the multi-worker exchange, which reads t and m (never v). */
    public StateViews stateViews(int i) {
        ParamLayout p = layout.params().get(i);
        if (!config.usesMatrixRule(p)) throw new IllegalStateException("OneBitAdam routes every parameter itself");
        return views(config.matrixState(p), stateSlice(i));
    }

    /** The named {@code t}, {@code M}, {@code V} pieces of a parameter's state slice. */
    private static StateViews views(StateSpec spec, INDArray state) {
        return new StateViews(spec.view(state, "t"), spec.view(state, "M"), spec.view(state, "V"));
    }

    /** Number of parameters of this block (each with its own {@link #stateViews}). */
    public int paramCount() {
        return layout.params().size();
    }

    /** Parameter {@code i}'s offset inside the block's flat gradient and its length. */
    public long[] segment(int i) {
        return new long[] {segmentStart(i), layout.params().get(i).length()};
    }

    /**
     * Views of one parameter's OneBitAdam state: step counter (steps done so far, an {@link ExactCounter}; read it with
     * {@link #steps()}), momentum, second moment.
     */
    public static final class StateViews {
        public final INDArray counter;
        public final INDArray m;
        public final INDArray v;

        StateViews(INDArray counter, INDArray m, INDArray v) {
            this.counter = counter;
            this.m = m;
            this.v = v;
        }

        /** Steps done so far. */
        public long steps() {
            return ExactCounter.read(counter);
        }
    }
}
