package org.dl4jopt.examples;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything one training run needs besides the data: optimizer (with the learning rate actually used), schedule,
 * seed, evaluation settings and the rates besides the main one ({@code --adam-lr}, {@code --sign-lr}). {@code target}: the target of the model's {@link Metric}, or null; {@code maxSteps}:
 * 0 = train all epochs.
 */
public record RunSpec(
        String model,
        Options.OptimizerChoice optimizer,
        int epochs,
        int batch,
        long seed,
        Double weightDecay,
        int evalEvery,
        Double target,
        int maxSteps,
        boolean stopAtTarget,
        DataType dtype,
        OptimizerRegistry.Extras extras) {

    /** The same run ending after at most {@code steps} iterations (the smaller of that and its own limit). */
    public RunSpec cappedAt(long steps) {
        return copy(optimizer, seed, Math.toIntExact(maxSteps > 0 ? Math.min(maxSteps, steps) : steps));
    }

    /** The same run with another optimizer choice and seed (a sweep candidate or a repeat). */
    public RunSpec with(Options.OptimizerChoice choice, long newSeed) {
        return copy(choice, newSeed, maxSteps);
    }

    private RunSpec copy(Options.OptimizerChoice choice, long newSeed, int newMaxSteps) {
        return new RunSpec(
                model,
                choice,
                epochs,
                batch,
                newSeed,
                weightDecay,
                evalEvery,
                target,
                newMaxSteps,
                stopAtTarget,
                dtype,
                extras);
    }
}
