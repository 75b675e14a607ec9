package org.dl4jopt.fismo;

/** How FISMO smooths and damps its Kronecker factors (spec fismo-noise-adaptive.md section 1.3, a [C] choice). */
public enum FactorMode {
    /**
     * EMA at the gradient's own scale, stored trace-normalized with its log scale (no underflow or overflow), each
     * data term's scale clipped at {@code factorSpikeClip} times the EMA's; the factor damped by {@code mu} times its
     * own mean eigenvalue, so {@code ||P^-1/2||_2 <= sqrt((1 + mu) / mu)}; invariant to {@code G -> cG}. Default: the
     * literal reading collapses to Muon for small gradients and has no scale-free step bound.
     */
    RAW_SCALE,
    /**
     * The transcribed Algorithm 1, exactly: {@code L = (1/n) G Q^-1 G^T + mu tr(P_(t-1))/m I},
     * {@code P = sym(m P~ / tr P~)}, {@code P~ = gamma P_(t-1) + (1-gamma) L}; the same for Q with the new P.
     */
    LITERAL
}
