package org.dl4jopt.parallel.onebit;

/** What the compressed all-reduce of {@link OneBitAllReduceAccumulator} carries after the variance freeze. */
public enum ExchangedQuantity {
    /**
     * The momentum {@code m_r = b1 m + (1-b1) g_r}, as in the paper and DeepSpeed: every worker then steps with
     * {@code lr m̄ / (sqrt(v) + eps)} and the shared frozen v (spec A.5), exactly.
     */
    MOMENTUM,
    /**
     * The preconditioned momentum {@code m_r / (sqrt(v) + eps)} (the update direction, v frozen and shared), decoded
     * back to {@code m̄} by multiplying with {@code sqrt(v) + eps}. The 1-bit code then gives every entry the same
     * step size {@code lr * scale} instead of {@code lr * scale / (sqrt(v_i) + eps)}, which stays bounded where v is
     * tiny (a deviation from the paper, see OneBitAllReduceAccumulator). Needs a momentum mask
     * ({@code OneBitAdam.momentumMaskThreshold > 0}) whenever some frozen v is 0 (dead ReLU units at the freeze): such
     * an entry whose gradient later turns non-zero enters as {@code m / eps}, and that single value sets the scale of
     * the whole unit. On the Fashion-MNIST CNN (2 workers, 1 epoch, 15 % warm-up) this mode with mask 0.1 ended 0.4
     * points below uncompressed Adam, MOMENTUM with the same mask 1.6 points below; both diverge without a mask.
     */
    PRECONDITIONED_MOMENTUM
}
