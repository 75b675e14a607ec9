package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything one training run produced: per-iteration training curve, evaluation points and the settings used.
 * Pure data (no ND4J types), so that reports and charts can be written and tested without a backend.
 */
public final class RunResult {

    /**
     * One test-set evaluation, taken after {@code iteration} training iterations and {@code seconds} training seconds
     * (evaluation time excluded).
     */
    public record EvalPoint(long iteration, int epoch, double seconds, double accuracy, double loss) {
    }

    /**
     * The first evaluation point of {@code evals} (in training order) whose test accuracy is at least {@code target},
     * or null if none is (or {@code target} is null). Its {@code seconds} and {@code iteration} are the time to
     * target: the resolution is the spacing of the evaluations ({@code --eval-every}).
     */
    public static EvalPoint firstReaching(List<EvalPoint> evals, Double target) {
        if (target == null) {
            return null;
        }
        for (EvalPoint e : evals) {
            if (e.accuracy() >= target) {
                return e;
            }
        }
        return null;
    }

    /** Number of trailing iterations averaged into {@link #finalTrainLoss()}: 10% of the run, between 1 and 20. */
    static int finalLossWindow(int iterations) {
        return Math.max(1, Math.min(20, iterations / 10));
    }

    private final String model;
    private final String optimizer;
    private final double learningRate;
    private final Double weightDecay;
    private final int epochs;
    private final int batch;
    private final long seed;
    private final int trainExamples;
    private final int testExamples;
    private final String updater;
    private final double[] iterationSeconds;
    private final double[] iterationLoss;
    private final List<EvalPoint> evals;
    private final Double targetAccuracy;

    /** {@code targetAccuracy}: the {@code --target-accuracy} of the run, or null. */
    public RunResult(String model, String optimizer, double learningRate, Double weightDecay, int epochs, int batch,
                     long seed, int trainExamples, int testExamples, String updater,
                     double[] iterationSeconds, double[] iterationLoss, List<EvalPoint> evals,
                     Double targetAccuracy) {
        if (iterationSeconds.length != iterationLoss.length) {
            throw new IllegalArgumentException("seconds and loss arrays differ in length");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.epochs = epochs;
        this.batch = batch;
        this.seed = seed;
        this.trainExamples = trainExamples;
        this.testExamples = testExamples;
        this.updater = updater;
        this.iterationSeconds = iterationSeconds.clone();
        this.iterationLoss = iterationLoss.clone();
        this.evals = Collections.unmodifiableList(new ArrayList<>(evals));
        this.targetAccuracy = targetAccuracy;
    }

    public String model() {
        return model;
    }

    public String optimizer() {
        return optimizer;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Decoupled weight decay coefficient, or null when none was configured. */
    public Double weightDecay() {
        return weightDecay;
    }

    public int epochs() {
        return epochs;
    }

    public int batch() {
        return batch;
    }

    public long seed() {
        return seed;
    }

    public int trainExamples() {
        return trainExamples;
    }

    public int testExamples() {
        return testExamples;
    }

    /** {@code toString()} of the updater configuration actually used. */
    public String updater() {
        return updater;
    }

    public int iterations() {
        return iterationLoss.length;
    }

    /** Training wall-clock seconds (evaluation excluded) at the end of each iteration, 1-based iteration i at index i-1. */
    public double[] iterationSeconds() {
        return iterationSeconds.clone();
    }

    /** Minibatch training loss (network score) of each iteration. */
    public double[] iterationLoss() {
        return iterationLoss.clone();
    }

    public List<EvalPoint> evals() {
        return evals;
    }

    /** Training wall-clock seconds, test evaluations excluded. */
    public double wallSeconds() {
        return iterationSeconds.length == 0 ? 0 : iterationSeconds[iterationSeconds.length - 1];
    }

    public double secondsPerIteration() {
        return iterations() == 0 ? Double.NaN : wallSeconds() / iterations();
    }

    /** Mean minibatch loss over the last {@link #finalLossWindow(int)} iterations (a single minibatch is too noisy). */
    public double finalTrainLoss() {
        int n = iterations();
        if (n == 0) {
            return Double.NaN;
        }
        int w = finalLossWindow(n);
        double sum = 0;
        for (int i = n - w; i < n; i++) {
            sum += iterationLoss[i];
        }
        return sum / w;
    }

    private EvalPoint lastEval() {
        return evals.isEmpty() ? null : evals.get(evals.size() - 1);
    }

    public double testAccuracy() {
        EvalPoint e = lastEval();
        return e == null ? Double.NaN : e.accuracy();
    }

    public double testLoss() {
        EvalPoint e = lastEval();
        return e == null ? Double.NaN : e.loss();
    }

    /** Highest test accuracy of any evaluation (NaN without evaluations). */
    public double bestTestAccuracy() {
        return evals.stream().mapToDouble(EvalPoint::accuracy).max().orElse(Double.NaN);
    }

    /** The {@code --target-accuracy} of the run, or null when none was given. */
    public Double targetAccuracy() {
        return targetAccuracy;
    }

    /** The first evaluation that reached {@link #targetAccuracy()}; null if not reached or no target. */
    public EvalPoint targetReached() {
        return firstReaching(evals, targetAccuracy);
    }

    /** Training seconds (evaluations excluded) until the target was first reached; null if not reached. */
    public Double secondsToTarget() {
        EvalPoint e = targetReached();
        return e == null ? null : e.seconds();
    }

    /** Training iterations until the target was first reached; null if not reached. */
    public Long iterationsToTarget() {
        EvalPoint e = targetReached();
        return e == null ? null : e.iteration();
    }
}
