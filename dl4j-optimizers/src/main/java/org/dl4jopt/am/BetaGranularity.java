package org.dl4jopt.am;

/**
 * Over which coordinates AM sums the inner products that give one beta (spec B.6). A same-step GLOBAL beta (one for
 * the whole network) is not offered: DL4J's updater applies one layer at a time, so no layer can see the current
 * step's sums of the layers after it.
 */
public enum BetaGranularity {
    /** One beta per parameter tensor (spec's recommendation, the paper's per-layer variant for transformers). */
    PER_TENSOR,
    /** One beta per layer (all its parameter tensors together). */
    PER_LAYER
}
