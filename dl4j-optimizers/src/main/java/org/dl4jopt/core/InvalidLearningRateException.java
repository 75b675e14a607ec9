package org.dl4jopt.core;

/**
 * A learning rate that a step would use (from a schedule, {@code setLearningRate}, or a rate derived from the main
 * one) is NaN, infinite or negative. Thrown before any optimizer state or parameter changes, whatever the
 * {@link NonFiniteGradientPolicy}.
 */
public class InvalidLearningRateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidLearningRateException(String message) {
        super(message);
    }
}
