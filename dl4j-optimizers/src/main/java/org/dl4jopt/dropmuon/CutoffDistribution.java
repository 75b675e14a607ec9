package org.dl4jopt.dropmuon;

/**
 * How Drop-Muon draws the cutoff {@code s} in {@code {0, ..., b-1}} (0-based block positions, input to output); the
 * blocks {@code s..b-1} are updated (spec muon-dropmuon.md sections 2.3-2.4).
 */
public enum CutoffDistribution {
    /** {@code p_s = 1/b}: the paper's "uniform index sampling" of its CNN experiments (default). */
    UNIFORM,
    /** Always the same cutoff; 0 updates every block, i.e. plain Muon. */
    FIXED,
    /** Explicit probabilities {@code p_0..p_{b-1}} (normalized), e.g. a cost-optimal distribution. */
    WEIGHTS,
    /**
     * Experimental, not from the paper (a third-party "epoch-shift" law): {@code p_i ∝ exp(alpha * ((1-tau)(b-1-i)
     * + tau*i))} with training progress {@code tau = min(1, iteration / horizon)}: early on the mass is on small
     * cutoffs (full-network updates), late on large ones (only the layers nearest the output).
     */
    EPOCH_SHIFT
}
