package org.dl4jopt.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network-level step, seen from one block. DL4J computes the whole network's gradient into one flat array before
 * the first updater block runs, and keeps all updater state in one flat array; the blocks run in the network's
 * parameter order. The <em>leader</em> (the first block of ours, fixed by {@code Optimizers.prepare}) therefore runs
 * first in every iteration and, before any state or parameter changes:
 * <ol>
 *   <li>checks every rate the step uses (every member's) is finite and {@code >= 0}, else
 *       {@link InvalidLearningRateException};</li>
 *   <li>checks the whole flat gradient for NaN/Inf ({@link Kernels#hasNonFinite}: one pass, one host read; no sum of squares, so
 *       a finite 1e30 passes): THROW raises {@link NonFiniteGradientException} naming the iteration and layers, SKIP
 *       zeroes the gradient and marks every other block's segment with a NaN in its first element (the only NaN a
 *       block can see after the leader's check), writing nothing to the state;</li>
 *   <li>computes the cross-layer rules (AM's global beta, LANTON's group maxima) from every member's gradient and
 *       state, and writes the context {@code [stamp | rule slots]} into the state array.</li>
 * </ol>
 * Every later block reads that context (one small read) and follows it; a context stamped for another iteration
 * means a skipped iteration if the block's segment carries the skip mark, else an error (the leader did not run).
 * Skipped blocks zero their segment, so the mark never reaches the weights. The decision lives in the state array, not in statics or thread-locals, so clones, restored networks,
 * ParallelWrapper workers and Spark executors each decide for themselves, identically.
 */
final class NetworkStep {
    private static final Logger log = LoggerFactory.getLogger(NetworkStep.class);

    private final ShapeAwareUpdater config;
    private final NetworkPlan plan;
    private final List<StateLayout> memberLayouts = new ArrayList<>();
    private final List<CrossLayerRule> rules = new ArrayList<>();
    private final List<List<Integer>> ruleMembers = new ArrayList<>();
    private final List<Integer> ruleSlots = new ArrayList<>();
    private INDArray networkState;
    private INDArray context;
    private double[] last;
    private Object gradientRoot;
    private long gradientStart = -1;
    private INDArray networkGradient;
    private BlockArrays[] memberArrays;
    /** The views the NaN/Inf test reads, made again only when the ranges or the gradient array change. */
    private List<long[]> viewedRanges;

    private INDArray viewedGradient;
    private final List<INDArray> rangeViews = new ArrayList<>();

    NetworkStep(ShapeAwareUpdater config) {
        this.config = config;
        this.plan = config.plan();
        if (plan == null) {
            throw new IllegalStateException(
                    config.name() + " of layer '" + config.requireLayout().layerName()
                            + "' has no network plan: call org.dl4jopt.Optimizers.prepare(conf) on the final configuration.");
        }
        if (!plan.leader()) return;
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        List<NetworkPlan.Member> members = plan.members();
        for (int m = 0; m < members.size(); m++) {
            memberLayouts.add(new StateLayout(m == 0 ? config : members.get(m).config()));
            if (members.get(m).ruleSlot() >= 0) {
                groups.computeIfAbsent(members.get(m).ruleSlot(), k -> new ArrayList<>())
                        .add(m);
            }
        }
        for (Map.Entry<Integer, List<Integer>> g : groups.entrySet()) {
            List<ShapeAwareUpdater> cfgs = new ArrayList<>();
            for (int m : g.getValue()) cfgs.add(m == 0 ? config : members.get(m).config());
            rules.add(cfgs.get(0).crossLayerRule(cfgs));
            ruleMembers.add(g.getValue());
            ruleSlots.add(g.getKey());
        }
    }

    /** Finds the network's state array from this block's state view. */
    void attach(INDArray blockState) {
        long actual = NetworkContext.rootLength(blockState);
        if (actual != plan.stateLength()) {
            throw new IllegalStateException(config.name() + " of layer '"
                    + config.requireLayout().layerName()
                    + "': the network's updater state has " + actual + " elements, Optimizers.prepare planned "
                    + plan.stateLength() + ". The network changed after prepare (e.g. TransferLearning froze or "
                    + "replaced layers): call org.dl4jopt.Optimizers.prepare(net) on the changed network.");
        }
        networkState = NetworkContext.network(blockState, plan.stateOffset(), plan.stateLength(), "updater state");
        networkGradient = null; // member arrays hold views of the old state
        context = networkState.get(
                NDArrayIndex.interval(plan.contextOffset(), plan.contextOffset() + plan.contextSize()));
    }

    /** Runs this block's part of the network step; returns true if the iteration is skipped. */
    boolean begin(INDArray blockGradient, int iteration, int epoch) {
        if (context == null) throw new IllegalStateException("Updater has not been given its state view");
        if (plan.leader()) return lead(blockGradient, iteration, epoch);
        config.checkRates(iteration, epoch); // rates changed per layer after prepare are checked here too
        readContext();
        long stamped = NetworkContext.iteration(last);
        if (stamped == iteration) return false;
        if (Double.isNaN(blockGradient.getDouble(0))) return true; // the leader's skip mark (it checked all)
        throw new IllegalStateException(
                config.name() + " of layer '" + config.requireLayout().layerName()
                        + "' found no network context for iteration " + iteration + " (it holds iteration " + stamped
                        + "): the first layer of ours did not run before it. The network changed after "
                        + "Optimizers.prepare(conf) (e.g. TransferLearning): call "
                        + "org.dl4jopt.Optimizers.prepare(net) on the changed network.");
    }

    /** Slot {@code k} of this block's cross-layer rule in the current context. */
    double ruleValue(int k) {
        return NetworkContext.value(last, NetworkContext.HEADER + plan.ruleSlot() + k * NetworkContext.VALUE);
    }

    private boolean lead(INDArray blockGradient, int iteration, int epoch) {
        List<NetworkPlan.Member> members = plan.members();
        config.checkRates(iteration, epoch);
        Map<String, Double> leaderRates = members.get(0).config().ratesAt(iteration, epoch);
        for (int m = 1; m < members.size(); m++) {
            ShapeAwareUpdater c = members.get(m).config();
            if (!c.ratesAt(iteration, epoch).equals(leaderRates)) c.checkRates(iteration, epoch);
        }
        INDArray gradient = networkGradient(blockGradient);
        double[] ctx;
        List<long[]> checked = checkedRanges(iteration);
        boolean nonFinite = false;
        for (INDArray r : checkedViews(gradient, checked)) nonFinite |= Kernels.hasNonFinite(r);
        if (nonFinite) {
            List<String> bad = new ArrayList<>();
            for (NetworkPlan.LayerRange r : plan.layers()) {
                for (long[] c : checked) {
                    long from = Math.max(c[0], r.offset());
                    long to = Math.min(c[1], r.offset() + r.length());
                    if (from < to && Kernels.hasNonFinite(gradient.get(NDArrayIndex.interval(from, to)))) {
                        bad.add("'" + r.name() + "'");
                        break;
                    }
                }
            }
            if (config.nonFiniteGradients() == NonFiniteGradientPolicy.THROW) {
                throw new NonFiniteGradientException("Non-finite (NaN/Inf) gradient at iteration " + iteration
                        + " in layers " + bad + "; no layer's optimizer state or parameters changed. Lower the "
                        + "learning rate, check the input data, or choose nonFiniteGradients(SKIP) to skip such "
                        + "iterations.");
            }
            log.warn("Skipping iteration {} for every layer: non-finite gradient in layers {}", iteration, bad);
            gradient.assign(0);
            for (int m = 1; m < members.size(); m++)
                gradient.putScalar(members.get(m).paramOffset(), Double.NaN);
            return true; // the state array, context included, stays bit-identical
        } else {
            ctx = NetworkContext.header(plan.contextSize(), iteration);
            for (int r = 0; r < rules.size(); r++) {
                List<BlockArrays> arrays = new ArrayList<>();
                for (int m : ruleMembers.get(r)) arrays.add(memberArrays[m]);
                double[] out = new double[rules.get(r).slots()];
                rules.get(r).compute(arrays, out, iteration, epoch);
                for (int k = 0; k < out.length; k++) {
                    NetworkContext.putValue(
                            ctx, NetworkContext.HEADER + ruleSlots.get(r) + k * NetworkContext.VALUE, out[k]);
                }
            }
        }
        for (int k = 0; k < ctx.length; k++) context.putScalar(k, ctx[k]); // digits: exact in every type
        last = ctx;
        return false;
    }

    /**
     * The network's flat gradient as a view, and every member's arrays in it: made again only when DL4J hands a
     * different gradient array (views cost more than the checks they serve).
     */
    private INDArray networkGradient(INDArray blockGradient) {
        Object root = NetworkContext.root(blockGradient);
        long start = blockGradient.offset() - plan.paramOffset();
        if (root != gradientRoot || start != gradientStart || networkGradient == null) {
            networkGradient = NetworkContext.network(blockGradient, plan.paramOffset(), plan.numParams(), "gradient");
            memberArrays = new BlockArrays[plan.members().size()];
            for (int m = 0; m < memberArrays.length; m++) memberArrays[m] = arrays(networkGradient, m);
            gradientRoot = root;
            gradientStart = start;
        }
        return networkGradient;
    }

    private BlockArrays arrays(INDArray gradient, int m) {
        NetworkPlan.Member member = plan.members().get(m);
        StateLayout sl = memberLayouts.get(m);
        long n = member.config().requireLayout().length();
        return new BlockArrays(
                m == 0 ? config : member.config(),
                sl,
                gradient.get(NDArrayIndex.interval(member.paramOffset(), member.paramOffset() + n)),
                networkState.get(NDArrayIndex.interval(member.stateOffset(), member.stateOffset() + sl.total())));
    }

    /** Reads the context written by the leader into {@link #last} (scalar reads: cheaper than copying a view). */
    private void readContext() {
        int n = (int) context.length();
        if (last == null || last.length != n) last = new double[n];
        for (int k = 0; k < n; k++) last[k] = context.getDouble(k);
    }

    /** Views of {@code ranges} of {@code gradient}, cached while both stay the same. */
    private List<INDArray> checkedViews(INDArray gradient, List<long[]> ranges) {
        boolean same = gradient == viewedGradient && viewedRanges != null && viewedRanges.size() == ranges.size();
        for (int i = 0; same && i < ranges.size(); i++)
            same = java.util.Arrays.equals(ranges.get(i), viewedRanges.get(i));
        if (!same) {
            rangeViews.clear();
            for (long[] r : ranges) {
                rangeViews.add(
                        r[0] == 0 && r[1] == gradient.length()
                                ? gradient
                                : gradient.get(NDArrayIndex.interval(r[0], r[1])));
            }
            viewedGradient = gradient;
            viewedRanges = ranges;
        }
        return rangeViews;
    }

    /**
     * The gradient ranges this iteration uses: all of it, less the blocks a gate freezes this iteration (Drop-Muon:
     * their gradient is discarded and below the cutoff not even computed); contiguous ranges merged, so without gates
     * the check is one reduction over the whole gradient.
     */
    private List<long[]> checkedRanges(int iteration) {
        List<long[]> out = new ArrayList<>();
        long from = 0;
        for (NetworkPlan.Member m : plan.members()) {
            UpdateGate g = m.config().updateGate();
            if (g == null || g.active(iteration)) continue;
            long start = m.paramOffset();
            if (start > from) out.add(new long[] {from, start});
            from = start + m.config().requireLayout().length();
        }
        if (plan.numParams() > from) out.add(new long[] {from, plan.numParams()});
        return out;
    }
}
