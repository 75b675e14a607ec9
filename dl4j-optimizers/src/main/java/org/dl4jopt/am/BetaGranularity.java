package org.dl4jopt.am;

/** Over which coordinates AM sums the inner products that give one beta (spec B.6). */
public enum BetaGranularity {
    /** One beta per parameter tensor (AM-AdamW's default: the paper's per-layer variant). */
    PER_TENSOR,
    /** One beta per layer (all its parameter tensors together). */
    PER_LAYER,
    /**
     * One beta for the whole network, from every AM-SGD parameter's gradient and direction in the same step, as the
     * reference AM-MSGD (AM-SGD's default). Computed once per iteration by the network step.
     */
    GLOBAL
}
