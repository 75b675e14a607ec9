package org.dl4jopt.layout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LocallyConnected1D;
import org.deeplearning4j.nn.conf.layers.LocallyConnected2D;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PrimaryCapsules;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.dl4jopt.core.CoupledL2;
import org.dl4jopt.core.DecoupledWeightDecay;
import org.dl4jopt.core.NetworkContext;
import org.dl4jopt.core.NetworkPlan;
import org.dl4jopt.core.NonFiniteGradientPolicy;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.UpdateGate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the layers of a network configuration, visited in DL4J's parameter-flattening order, into {@link LayerLayout}s
 * and writes them into the layers' shape-aware updater configs (used by {@code Optimizers.prepare}).
 *
 * <p>Role rules: bias and non-weight parameters, and weights with a singleton matrix dimension, are
 * {@link ParamRole#VECTOR}; so are depthwise filters (per channel, not a map between channel spaces), PReLU alphas
 * (per element) and locally connected weights (one matrix per position); embedding tables are EMBEDDING; output-layer
 * weights, and the convolution or dense weight of the last layer with parameters before a parameter-free loss (1x1
 * convolution classifiers), are OUTPUT_HEAD; convolution kernels are CONV_KERNEL, the network's first one (frozen or
 * not) INPUT_CONV_KERNEL; every other weight is HIDDEN_MATRIX.
 *
 * <p>Matrix views: DL4J weights of rank 2 are {@code [nIn, nOut]} (fanIn = rows); convolution kernels
 * {@code [nOut, nIn, k...]} are read 'c' as {@code [nOut, nIn*k...]}; Deconvolution2D's {@code [nIn, nOut, kH, kW]}
 * as {@code [nIn, nOut*kH*kW]} (fanIn = rows); Deconvolution3D's {@code [kD, kH, kW, nOut, nIn]} as
 * {@code [kD*kH*kW*nOut, nIn]} (fanIn = cols); PrimaryCapsules' {@code [kH, kW, nIn, nOut]} as
 * {@code [kH*kW*nIn, nOut]} (fanIn = rows); other weights of rank 3 or more (SameDiff attention projections
 * {@code [heads, headSize, nIn]}) are read as {@code [prod(leading dims), last]} with fanIn = last.
 */
public final class LayoutPlanner {
    private static final Logger log = LoggerFactory.getLogger(LayoutPlanner.class);

    /** One parameter of a layer as DL4J flattens it. */
    public static final class Param {
        final String key;
        final long[] shape;
        final char order;
        final boolean bias;
        final boolean weight;

        public Param(String key, long[] shape, char order, boolean bias, boolean weight) {
            this.key = key;
            this.shape = shape.clone();
            this.order = order;
            this.bias = bias;
            this.weight = weight;
        }
    }

    private static final class Unit {
        final String name;
        final TrainingConfig layer;
        final List<Param> params;
        final boolean head;

        Unit(String name, TrainingConfig layer, List<Param> params, boolean head) {
            this.name = name;
            this.layer = layer;
            this.params = params;
            this.head = head;
        }
    }

    private final List<Unit> units = new ArrayList<>();
    private final DataType dataType;

    /** A planner for a network of the given data type (each optimizer may refuse it, see {@code checkDataType}). */
    public LayoutPlanner(DataType dataType) {
        this.dataType = dataType;
    }

    /**
     * Adds the next layer (or vertex) in flattening order; {@code head} when only parameter-free layers lie between it
     * and the loss (see {@link OutputHeads}). A {@code FrozenLayerWithBackprop} around a layer with a shape-aware
     * updater gets {@code NoOp} there (see {@link LayerSlots#freezeShapeAware}).
     */
    public void add(String name, TrainingConfig layer, List<Param> params, boolean head) {
        if (layer instanceof FrozenLayerWithBackprop) LayerSlots.of(layer).freezeShapeAware();
        units.add(new Unit(name, layer, params, head));
    }

    /**
     * Writes the layouts and the decoupled weight decay into every unit served by a shape-aware updater, after every
     * one of them accepted the network's data type (a refusal leaves the configuration unchanged).
     */
    public void apply() {
        List<Unit> served = new ArrayList<>();
        for (Unit u : units) {
            for (Param p : u.params) {
                IUpdater up = u.layer.getUpdaterByParam(p.key);
                if (up instanceof ShapeAwareUpdater) {
                    if (dataType != null) ((ShapeAwareUpdater) up).acceptDataType(dataType, u.name);
                    if (!served.contains(u)) served.add(u);
                }
            }
        }
        boolean firstConvSeen = false;
        for (Unit u : units) {
            boolean hasConv = false;
            int position = served.indexOf(u);
            if (position >= 0) {
                hasConv = applyTo(u, position, served.size(), !firstConvSeen);
            } else {
                hasConv = hasConvKernel(u);
            }
            firstConvSeen |= hasConv;
        }
        writeNetworkPlan();
    }

    /** A block of ours: the config serving some contiguous parameters of a unit, and where they start. */
    private static final class Block {
        final Unit unit;
        final ShapeAwareUpdater config;
        long paramOffset;
        long stateOffset;
        int ruleSlot = -1;

        Block(Unit unit, ShapeAwareUpdater config) {
            this.unit = unit;
            this.config = config;
        }
    }

    /**
     * Second pass: the network plan ({@link NetworkPlan}). Our blocks in DL4J's block order (the flattening order),
     * the first of them the leader holding the network context; cross-layer rule groups get context slots; every
     * config learns its parameter and state offsets.
     */
    private void writeNetworkPlan() {
        List<Block> blocks = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Unit u : units) {
            names.add(u.name);
            for (Param p : u.params) {
                IUpdater up = u.layer.getUpdaterByParam(p.key);
                if (up instanceof ShapeAwareUpdater
                        && (blocks.isEmpty()
                                || blocks.get(blocks.size() - 1).config != up
                                || blocks.get(blocks.size() - 1).unit != u)) {
                    blocks.add(new Block(u, (ShapeAwareUpdater) up));
                }
            }
        }
        if (blocks.isEmpty()) return;
        NonFiniteGradientPolicy policy = blocks.get(0).config.nonFiniteGradients();
        for (Block b : blocks) {
            Set<String> unknown = new TreeSet<>(b.config.routedLayerNames());
            unknown.removeAll(names);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(b.config.name() + ": layer names " + unknown + " in fallbackLayers/"
                        + "matrixRuleLayers name no layer of this network; its layers are " + names + ".");
            }
            if (b.config.nonFiniteGradients() != policy) {
                throw new IllegalArgumentException("Layer '" + b.unit.name + "' has nonFiniteGradients "
                        + b.config.nonFiniteGradients() + " but layer '" + blocks.get(0).unit.name + "' has " + policy
                        + ": the check covers the whole network's step, so every layer needs the same policy.");
            }
        }
        Map<String, List<Block>> groups = new LinkedHashMap<>();
        for (Block b : blocks) {
            String key = b.config.crossLayerRuleKey();
            if (key != null) groups.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
        }
        int slots = 0;
        for (List<Block> g : groups.values()) {
            List<ShapeAwareUpdater> cfgs = new ArrayList<>();
            for (Block b : g) cfgs.add(b.config);
            int n = g.get(0).config.crossLayerRule(cfgs).slots(); // validates that the members can share it
            for (Block b : g) b.ruleSlot = slots;
            slots += n * NetworkContext.VALUE;
        }
        int contextSize = NetworkContext.HEADER + slots;
        Block leader = blocks.get(0);
        ShapeAwareUpdater provisional = leader.config.withPlan(new NetworkPlan(
                0,
                0,
                0,
                contextSize,
                leader.ruleSlot,
                0,
                0,
                Collections.singletonList(new NetworkPlan.Member(leader.config, 0, 0, -1)),
                null));
        // offsets in DL4J's flattening order; the leader's state includes the context
        List<NetworkPlan.LayerRange> ranges = new ArrayList<>();
        long paramOffset = 0;
        long stateOffset = 0;
        int next = 0;
        for (Unit u : units) {
            long unitStart = paramOffset;
            for (Param p : u.params) {
                IUpdater up = u.layer.getUpdaterByParam(p.key);
                if (next < blocks.size() && blocks.get(next).unit == u && blocks.get(next).config == up) {
                    blocks.get(next).paramOffset = paramOffset;
                    blocks.get(next).stateOffset = stateOffset;
                    next++;
                } else if (up instanceof ShapeAwareUpdater && next == 0) {
                    throw new IllegalStateException("block order"); // cannot happen: blocks came from this walk
                }
                long len = 1;
                for (long d : p.shape) len *= d;
                paramOffset += len;
                stateOffset += up == null ? 0 : (up == leader.config ? provisional : up).stateSize(len);
            }
            if (paramOffset > unitStart)
                ranges.add(new NetworkPlan.LayerRange(u.name, unitStart, paramOffset - unitStart));
            if (next == 0 && hasForeignState(u)) {
                log.warn(
                        "Layer '{}' uses a DL4J updater and comes before the first layer of dl4j-optimizers: DL4J "
                                + "updates it before the network step's checks, so a refused or skipped step cannot undo its "
                                + "update.",
                        u.name);
            }
        }
        List<NetworkPlan.Member> members = new ArrayList<>();
        for (Block b : blocks) members.add(new NetworkPlan.Member(b.config, b.paramOffset, b.stateOffset, b.ruleSlot));
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            NetworkPlan plan = new NetworkPlan(
                    b.paramOffset,
                    b.stateOffset,
                    leader.stateOffset,
                    contextSize,
                    b.ruleSlot,
                    paramOffset,
                    stateOffset,
                    k == 0 ? members : null,
                    k == 0 ? ranges : null);
            if (!LayerSlots.of(b.unit.layer).replaceUpdater(b.config, b.config.withPlan(plan))) {
                throw new IllegalArgumentException("Layer '" + b.unit.name + "': could not find where "
                        + LayerSlots.of(b.unit.layer).owner().getClass().getSimpleName() + " keeps its updater config");
            }
        }
    }

    private static boolean hasForeignState(Unit u) {
        for (Param p : u.params) {
            IUpdater up = u.layer.getUpdaterByParam(p.key);
            if (up != null && !(up instanceof ShapeAwareUpdater) && up.stateSize(1) > 0) return true;
        }
        return false;
    }

    private static boolean hasConvKernel(Unit u) {
        Object core = LayerSlots.of(u.layer).owner();
        for (Param p : u.params) {
            if (isConvKernel(core, p)) return true;
        }
        return false;
    }

    /** A map between channel spaces: convolution kernels but depthwise ones (per channel). */
    private static boolean isConvKernel(Object core, Param p) {
        return core instanceof ConvolutionLayer
                && p.weight
                && p.shape.length >= 3
                && !(core instanceof DepthwiseConvolution2D)
                && !(core instanceof SeparableConvolution2D && "W".equals(p.key));
    }

    /**
     * Parameters that are not one linear map, whatever their rank: PReLU alphas (one slope per input element) and
     * locally connected weights ({@code [positions, kH*kW*nIn, nOut]}: one matrix per output position, which the
     * matrix rules here cannot treat as a batch; stacking them would orthogonalize across positions).
     */
    private static boolean elementWise(Object core, Param p) {
        return core instanceof PReLULayer
                || core instanceof DepthwiseConvolution2D
                || (core instanceof SeparableConvolution2D && "W".equals(p.key))
                || core instanceof LocallyConnected1D
                || core instanceof LocallyConnected2D;
    }

    /** Returns whether the unit has a convolution kernel. */
    private boolean applyTo(Unit u, int position, int numPositions, boolean firstConv) {
        LayerSlots slots = LayerSlots.of(u.layer);
        Object core = slots.owner();
        Map<IUpdater, List<ParamLayout>> groups = new IdentityHashMap<>();
        Map<IUpdater, Integer> lastIndex = new IdentityHashMap<>();
        List<IUpdater> order = new ArrayList<>();
        boolean hasConv = false;
        for (int i = 0; i < u.params.size(); i++) {
            Param p = u.params.get(i);
            ParamLayout pl = layoutOf(core, p, firstConv, u.head);
            hasConv |= pl.role() == ParamRole.CONV_KERNEL || pl.role() == ParamRole.INPUT_CONV_KERNEL;
            IUpdater up = u.layer.getUpdaterByParam(p.key);
            if (!(up instanceof ShapeAwareUpdater)) continue;
            if (u.layer.isPretrainParam(p.key)) {
                throw new IllegalArgumentException("Layer '" + u.name + "' has pretraining parameter '" + p.key
                        + "'; shape-aware optimizers support supervised layers only: use a DL4J updater for it.");
            }
            Integer last = lastIndex.get(up);
            if (last != null && last != i - 1) {
                throw new IllegalArgumentException("Layer '" + u.name + "': the parameters served by " + up
                        + " are not contiguous (parameter '" + p.key + "' follows one with another updater), so "
                        + "DL4J would split them into several blocks. Give those parameters one updater config.");
            }
            lastIndex.put(up, i);
            if (!groups.containsKey(up)) {
                groups.put(up, new ArrayList<>());
                order.add(up);
            }
            groups.get(up).add(pl);
        }
        for (IUpdater old : order) {
            ShapeAwareUpdater cfg = ((ShapeAwareUpdater) old)
                    .withLayout(new LayerLayout(u.name, position, numPositions, groups.get(old)));
            if (!slots.replaceUpdater(old, cfg)) {
                throw new IllegalArgumentException("Layer '" + u.name + "': could not find where "
                        + core.getClass().getSimpleName() + " keeps its updater config");
            }
        }
        installWeightDecay(u, slots);
        return hasConv;
    }

    private static ParamLayout layoutOf(Object core, Param p, boolean firstConv, boolean head) {
        long[] s = p.shape;
        long len = 1;
        for (long d : s) len *= d;
        boolean sameDiff = core instanceof AbstractSameDiffLayer || core instanceof SameDiffVertex;
        long rows;
        long cols;
        long fanIn;
        long fanOut;
        char order = p.order;
        if (s.length == 2) {
            rows = s[0];
            cols = s[1];
            fanIn = rows;
            fanOut = cols;
        } else if (s.length >= 3 && core instanceof Deconvolution3D && isConvKernel(core, p)) {
            // [kD, kH, kW, nOut, nIn] 'c': [kD*kH*kW*nOut, nIn], one input pixel's channels to an output patch
            cols = s[s.length - 1];
            rows = len / cols;
            fanIn = cols;
            fanOut = rows;
            order = 'c';
        } else if (s.length >= 3 && core instanceof Deconvolution2D && isConvKernel(core, p)) {
            // [nIn, nOut, kH, kW] 'c': [nIn, nOut*kH*kW], one input pixel's channels to an output patch
            rows = s[0];
            cols = len / rows;
            fanIn = rows;
            fanOut = cols;
            order = 'c';
        } else if (s.length >= 3 && isConvKernel(core, p)) {
            rows = s[0];
            cols = len / rows;
            fanOut = rows;
            fanIn = cols;
            order = 'c';
        } else if (s.length >= 3 && core instanceof PrimaryCapsules) {
            // SameDiff conv2d kernel [kH, kW, nIn, capsules*capsuleDim] 'c': [kH*kW*nIn, nOut]
            cols = s[s.length - 1];
            rows = len / cols;
            fanIn = rows;
            fanOut = cols;
        } else if (s.length >= 3) {
            cols = s[s.length - 1];
            rows = len / cols;
            fanOut = rows;
            fanIn = cols;
        } else {
            rows = 1;
            cols = len;
            fanIn = len;
            fanOut = 1;
        }
        ParamRole role;
        if (p.bias || !p.weight || rows <= 1 || cols <= 1 || elementWise(core, p)) {
            role = ParamRole.VECTOR;
            rows = 1;
            cols = len;
        } else if (core instanceof EmbeddingLayer || core instanceof EmbeddingSequenceLayer) {
            role = ParamRole.EMBEDDING;
        } else if (core instanceof BaseOutputLayer
                || core instanceof SameDiffOutputLayer
                || (head && (isConvKernel(core, p) || core instanceof DenseLayer))) {
            role = ParamRole.OUTPUT_HEAD;
        } else if (isConvKernel(core, p)) {
            role = firstConv ? ParamRole.INPUT_CONV_KERNEL : ParamRole.CONV_KERNEL;
        } else {
            role = ParamRole.HIDDEN_MATRIX;
        }
        if (sameDiff && role != ParamRole.VECTOR) order = 'c';
        return new ParamLayout(p.key, role, s, order, rows, cols, fanIn, fanOut);
    }

    /**
     * Decoupled weight decay goes through DL4J's regularization lists, which are per layer and per kind (weights,
     * biases): each list gets one {@link DecoupledWeightDecay} whose coefficient gives every parameter on it the
     * decay its config asks for, or an error when that is impossible.
     */
    private static void installWeightDecay(Unit u, LayerSlots slots) {
        Map<LayerSlots.ListKind, Double> coeff = new EnumMap<>(LayerSlots.ListKind.class);
        Map<LayerSlots.ListKind, String> firstKey = new EnumMap<>(LayerSlots.ListKind.class);
        Map<LayerSlots.ListKind, List<String>> foreign = new EnumMap<>(LayerSlots.ListKind.class);
        Map<LayerSlots.ListKind, UpdateGate> gates = new EnumMap<>(LayerSlots.ListKind.class);
        Map<LayerSlots.ListKind, Boolean> coupled = new EnumMap<>(LayerSlots.ListKind.class);
        for (Param p : u.params) {
            LayerSlots.ListKind kind = slots.kindOf(u.layer, p.key);
            IUpdater up = u.layer.getUpdaterByParam(p.key);
            if (!(up instanceof ShapeAwareUpdater)) {
                if (kind != null)
                    foreign.computeIfAbsent(kind, k -> new ArrayList<>()).add(p.key);
                continue;
            }
            ShapeAwareUpdater cfg = (ShapeAwareUpdater) up;
            ParamLayout pl = null;
            for (ParamLayout q : cfg.requireLayout().params()) if (q.key().equals(p.key)) pl = q;
            double c = cfg.decayCoefficient(pl);
            if (kind == null) {
                if (c > 0) {
                    log.warn(
                            "Layer '{}': DL4J applies no regularization to parameter '{}' of {}, so its weight decay "
                                    + "({}) cannot be applied",
                            u.name,
                            p.key,
                            slots.owner().getClass().getSimpleName(),
                            c);
                }
                continue;
            }
            Double prev = coeff.putIfAbsent(kind, c);
            firstKey.putIfAbsent(kind, p.key);
            UpdateGate g = cfg.updateGate();
            if (gates.containsKey(kind) && !java.util.Objects.equals(gates.get(kind), g)) {
                throw new IllegalArgumentException("Layer '" + u.name + "': parameters '" + firstKey.get(kind)
                        + "' and '" + p.key + "' share a regularization list but are updated at different "
                        + "iterations; give them one updater config.");
            }
            gates.put(kind, g);
            coupled.put(kind, cfg.coupledDecay());
            if (prev != null && Double.compare(prev, c) != 0) {
                throw new IllegalArgumentException("Layer '" + u.name + "': parameters '" + firstKey.get(kind)
                        + "' and '" + p.key + "' share DL4J's " + kind.name().toLowerCase() + " regularization list "
                        + "but need different decoupled weight decay (" + prev + " vs " + c + " per unit of main "
                        + "learning rate). Use equal weightDecay/adamWeightDecay (scaled by the learning-rate "
                        + "ratio) or route both parameters to the same rule.");
            }
        }
        for (LayerSlots.ListKind kind : LayerSlots.ListKind.values()) {
            Double c = coeff.get(kind);
            if (c == null) continue;
            List<Regularization> list = new ArrayList<>();
            List<Regularization> old = slots.regularization(kind);
            if (old != null) {
                for (Regularization r : old) {
                    if (r instanceof DecoupledWeightDecay || r instanceof CoupledL2) continue;
                    if (r instanceof WeightDecay && c > 0) {
                        throw new IllegalArgumentException("Layer '" + u.name + "' has both DL4J WeightDecay and the "
                                + "optimizer's own decoupled weight decay: that would decay twice. Remove "
                                + ".weightDecay(...) from the network builder and set it on the optimizer.");
                    }
                    list.add(r);
                }
            }
            if (c > 0) {
                if (foreign.containsKey(kind)) {
                    throw new IllegalArgumentException("Layer '" + u.name + "': parameters " + foreign.get(kind)
                            + " have another updater but share the "
                            + kind.name().toLowerCase() + " regularization "
                            + "list that must carry this optimizer's weight decay.");
                }
                list.add(
                        coupled.getOrDefault(kind, false)
                                ? new CoupledL2(c)
                                : new DecoupledWeightDecay(c, gates.get(kind)));
            }
            slots.setRegularization(kind, list);
        }
    }
}
