package org.dl4jopt.core;

/**
 * An optimizer's own rule produced a non-finite value (a factor, a statistic or the update) from a finite gradient: a
 * failure of the rule, not of the data. Thrown before the update reaches the weights (DL4J subtracts the updates only
 * after every updater block has run); the state of the failing matrix, and of matrices updated earlier in the same
 * iteration, may already have advanced. Sibling of {@link NonFiniteGradientException}, which blames the gradient.
 */
public class RuleFailureException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RuleFailureException(String message) {
        super(message);
    }
}
