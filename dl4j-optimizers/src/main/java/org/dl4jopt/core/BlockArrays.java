package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** One block's config, flat gradient segment and flat state, as the leader sees them in the network's arrays. */
public final class BlockArrays {
    private final ShapeAwareUpdater config;
    private final StateLayout layout;
    private final INDArray gradient;
    private final INDArray state;
    private final INDArray[] segments;
    private final java.util.Map<String, INDArray>[] named;

    BlockArrays(ShapeAwareUpdater config, StateLayout layout, INDArray gradient, INDArray state) {
        this.config = config;
        this.layout = layout;
        this.gradient = gradient;
        this.state = state;
        int k = config.requireLayout().params().size();
        this.segments = new INDArray[k];
        this.named = ShapeAwareGradientUpdater.newViewCache(k);
    }

    public ShapeAwareUpdater config() {
        return config;
    }

    /** Parameter {@code i}'s gradient segment. */
    public INDArray gradient(int i) {
        if (segments[i] == null) {
            long off = layout.segmentOffset(i);
            segments[i] = gradient.get(NDArrayIndex.interval(
                    off, off + config.requireLayout().params().get(i).length()));
        }
        return segments[i];
    }

    /** Parameter {@code i}'s named state piece. */
    public INDArray state(int i, String name) {
        return named[i].computeIfAbsent(name, n -> layout.view(state, i, n));
    }

    public int paramCount() {
        return config.requireLayout().params().size();
    }
}
