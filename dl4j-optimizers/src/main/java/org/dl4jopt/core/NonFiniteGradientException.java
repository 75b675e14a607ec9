package org.dl4jopt.core;

/**
 * A NaN or Inf gradient reached one of our updaters under {@link NonFiniteGradientPolicy#THROW}; the optimizer state
 * was left unchanged. Training programs may catch it to record a diverged run.
 */
public class NonFiniteGradientException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NonFiniteGradientException(String message) {
        super(message);
    }
}
