package org.dl4jopt.core;

import java.util.List;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one rule that places a block's optimizer state in DL4J's flat state array. DL4J asks
 * {@code IUpdater.stateSize(n)} once per parameter, knowing only its length {@code n}; we answer with the largest
 * need among the block's parameters of that length. Parameter {@code i}'s state then starts at the sum of the slot
 * sizes before it and uses the first {@code need(p_i)} elements of its slot (its {@link StateSpec}). The network
 * leader's first slot also holds the network context, in front of the parameter's own state. Both DL4J's allocation
 * and the updater's slicing come from {@link #slotSize}, so they cannot disagree.
 */
public final class StateLayout {
    private final StateSpec[] specs;
    private final long[] offsets;
    private final long[] segments;
    private final long contextSize;
    private final long total;

    public StateLayout(ShapeAwareUpdater config) {
        List<ParamLayout> params = config.requireLayout().params();
        specs = new StateSpec[params.size()];
        offsets = new long[params.size()];
        segments = new long[params.size() + 1];
        contextSize = contextSize(config);
        long off = 0;
        for (int i = 0; i < params.size(); i++) {
            specs[i] = config.stateSpec(params.get(i));
            offsets[i] = off + (i == 0 ? contextSize : 0);
            off += slotSize(config, config.layout(), params.get(i).length());
            segments[i + 1] = segments[i] + params.get(i).length();
        }
        total = off;
    }

    private static long contextSize(ShapeAwareUpdater config) {
        NetworkPlan plan = config.plan();
        return plan != null && plan.leader() ? plan.contextSize() : 0;
    }

    /** What {@code stateSize(numParams)} returns for a block with this layout. */
    static long slotSize(ShapeAwareUpdater config, LayerLayout layout, long numParams) {
        long size = -1;
        List<ParamLayout> params = layout.params();
        for (int i = 0; i < params.size(); i++) {
            ParamLayout p = params.get(i);
            if (p.length() == numParams) {
                size = Math.max(size, config.stateSpec(p).size() + (i == 0 ? contextSize(config) : 0));
            }
        }
        if (size < 0) {
            throw new IllegalStateException(config.name() + " of layer '" + layout.layerName()
                    + "' was asked for the state of a parameter of length " + numParams + ", but its layout "
                    + layout.params() + " has none: the configuration changed after Optimizers.prepare(conf); "
                    + "call it again on the final configuration.");
        }
        return size;
    }

    /** Offset of parameter {@code i}'s state in the block's state view. */
    public long offset(int i) {
        return offsets[i];
    }

    /** Number of state elements parameter {@code i} uses. */
    public long need(int i) {
        return specs[i].size();
    }

    /** Parameter {@code i}'s state declaration. */
    public StateSpec spec(int i) {
        return specs[i];
    }

    /** Where parameter {@code i}'s segment starts in the block's flat gradient. */
    public long segmentOffset(int i) {
        return segments[i];
    }

    /** Total state elements of the block (what DL4J allocates for it). */
    public long total() {
        return total;
    }

    /** Elements of the network context at the start of this block's state (0 unless the block leads). */
    public long contextSize() {
        return contextSize;
    }

    /** Parameter {@code i}'s state slice of a block state view. */
    public INDArray slice(INDArray blockState, int i) {
        return blockState.get(NDArrayIndex.interval(offsets[i], offsets[i] + specs[i].size()));
    }

    /** The named piece of parameter {@code i}'s state in a block state view. */
    public INDArray view(INDArray blockState, int i, String name) {
        return specs[i].view(slice(blockState, i), name);
    }
}
