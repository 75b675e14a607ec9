package org.dl4jopt.fismo;

/** How FISMO smooths and damps its Kronecker factors (spec fismo-noise-adaptive.md section 1.3, a [C] choice). */
public enum FactorMode {
    /**
     * EMA at the gradient's own scale, damping relative to the factor's mean eigenvalue, trace-normalized only when
     * used; invariant to {@code G -> cG}. Default: the literal reading collapses to Muon for small gradients.
     */
    RAW_SCALE,
    /** The transcribed Algorithm 1: EMA over the trace-normalized previous factor, damping {@code mu * I}. */
    LITERAL
}
