package org.dl4jopt.core;

import java.util.List;

/**
 * A quantity that spans layers and must be computed from every member's current gradient and state in the same step
 * (AM's global beta, LANTON's group maxima). The network's leader block computes it once per iteration, before any
 * member is updated, and stores it in the network context, where each member reads it ({@link NetworkStep}).
 */
public interface CrossLayerRule {
    /** Context slots the rule writes. */
    int slots();

    /**
     * Computes the rule's values into {@code out} (length {@link #slots()}); may also update the members' own state
     * for this iteration (the step is already known to be applied).
     */
    void compute(List<BlockArrays> members, double[] out, int iteration, int epoch);
}
