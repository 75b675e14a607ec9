package org.dl4jopt.core;

import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;

import java.util.List;

/**
 * The one rule that places a block's optimizer state in DL4J's flat state array. DL4J asks
 * {@code IUpdater.stateSize(n)} once per parameter, knowing only its length {@code n}; we answer with the largest
 * need among the block's parameters of that length. Parameter {@code i}'s state then starts at the sum of the slot
 * sizes before it and uses the first {@code need(p_i)} elements of its slot. Both DL4J's allocation and the updater's
 * slicing come from {@link #slotSize}, so they cannot disagree.
 */
public final class StateLayout {
    private final long[] offsets;
    private final long[] needs;
    private final long total;

    public StateLayout(ShapeAwareUpdater config) {
        List<ParamLayout> params = config.requireLayout().params();
        offsets = new long[params.size()];
        needs = new long[params.size()];
        long off = 0;
        for (int i = 0; i < params.size(); i++) {
            offsets[i] = off;
            needs[i] = config.stateNeed(params.get(i));
            off += slotSize(config, config.layout(), params.get(i).length());
        }
        total = off;
    }

    /** What {@code stateSize(numParams)} returns for a block with this layout. */
    static long slotSize(ShapeAwareUpdater config, LayerLayout layout, long numParams) {
        long size = -1;
        for (ParamLayout p : layout.params()) {
            if (p.length() == numParams) size = Math.max(size, config.stateNeed(p));
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
    public long offset(int i) { return offsets[i]; }

    /** Number of state elements parameter {@code i} uses. */
    public long need(int i) { return needs[i]; }

    /** Total state elements of the block (what DL4J allocates for it). */
    public long total() { return total; }
}
