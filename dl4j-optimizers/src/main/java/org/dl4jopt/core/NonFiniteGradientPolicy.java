package org.dl4jopt.core;

/**
 * What a shape-aware updater does when a block's gradient holds NaN or Inf. In both cases the optimizer state
 * (momentum, moments) is left exactly as it was, so a bad batch never corrupts it.
 */
public enum NonFiniteGradientPolicy {
    /** Throw an {@link IllegalStateException} naming the layer and iteration (default: fail early). */
    THROW,
    /**
     * Skip the step for that block: the update is zeroed and the state untouched; a warning is logged. Decoupled
     * weight decay, which DL4J applies after the updater, still shrinks the weights for that step.
     */
    SKIP
}
