package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** One block's config, flat gradient segment and flat state, as the leader sees them in the network's arrays. */
public final class BlockArrays {
    private final ShapeAwareUpdater config;
    private final StateLayout layout;
    private final INDArray gradient;
    private final INDArray state;

    BlockArrays(ShapeAwareUpdater config, StateLayout layout, INDArray gradient, INDArray state) {
        this.config = config;
        this.layout = layout;
        this.gradient = gradient;
        this.state = state;
    }

    public ShapeAwareUpdater config() {
        return config;
    }

    /** Parameter {@code i}'s gradient segment. */
    public INDArray gradient(int i) {
        long off = layout.segmentOffset(i);
        return gradient.get(NDArrayIndex.interval(
                off, off + config.requireLayout().params().get(i).length()));
    }

    /** Parameter {@code i}'s named state piece. */
    public INDArray state(int i, String name) {
        return layout.view(state, i, name);
    }

    public int paramCount() {
        return config.requireLayout().params().size();
    }
}
