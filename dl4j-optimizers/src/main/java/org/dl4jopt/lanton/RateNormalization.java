package org.dl4jopt.lanton;

/** How a layer's noise level becomes its rate factor {@code r} in (0, 1] (spec 2.5, a [C] choice). */
public enum RateNormalization {
    /** {@code r = alpha / max(alpha)} = {@code sqrt(H_min / H)}: default. */
    RATIO,
    /** {@code r = sqrt(alpha / max(alpha))}: a milder spread. */
    SQRT_RATIO
}
