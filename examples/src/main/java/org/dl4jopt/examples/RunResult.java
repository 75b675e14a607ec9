package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Everything one training run produced: per-iteration training curve, evaluation points, optimizer-state size and the
 * settings used. Pure data (no ND4J types), so that reports and charts can be written and tested without a backend.
 */
public final class RunResult {

    /**
     * The settings of a run. {@code optimizer} is its label in files and tables; {@code target} the target value of
     * {@code metric} ({@code --target-accuracy} / {@code --target-bpc}), or null; {@code trainExamples} and
     * {@code testExamples} count examples (images, or character windows for the transformer).
     */
    public record Settings(
            String model,
            Metric metric,
            String optimizer,
            double learningRate,
            Double weightDecay,
            int epochs,
            int batch,
            long seed,
            int trainExamples,
            int testExamples,
            Double target,
            OptimizerRegistry.Extras extras) {}

    /**
     * One held-out evaluation, taken after {@code iteration} training iterations and {@code seconds} training seconds
     * (evaluation time excluded): the run's {@link Metric} value and the held-out loss.
     */
    public record EvalPoint(long iteration, int epoch, double seconds, double metric, double loss) {}

    /**
     * The first evaluation point of {@code evals} (in training order) whose value meets {@code target}, or null if
     * none does (or {@code target} is null). Its {@code seconds} and {@code iteration} are the time to target: the
     * resolution is the spacing of the evaluations ({@code --eval-every}).
     */
    public static EvalPoint firstReaching(List<EvalPoint> evals, Metric metric, Double target) {
        if (target == null) {
            return null;
        }
        for (EvalPoint e : evals) {
            if (metric.reaches(e.metric(), target)) {
                return e;
            }
        }
        return null;
    }

    /** Number of trailing iterations averaged into {@link #finalTrainLoss()}: 10% of the run, between 1 and 20. */
    static int finalLossWindow(int iterations) {
        return Math.max(1, Math.min(20, iterations / 10));
    }

    private final Settings settings;
    private final String updater;
    private final long optimizerStateBytes;
    private final double[] iterationSeconds;
    private final double[] iterationLoss;
    private final List<EvalPoint> evals;
    private final String failure;

    /**
     * @param updater             {@code toString()} of the updater configuration actually used
     * @param optimizerStateBytes bytes of the network's updater state (DL4J's flat state view), 0 if it has none
     * @param failure             null for a run that completed; otherwise why it stopped (e.g. "diverged: loss NaN
     *                            at iteration 37")
     */
    public RunResult(
            Settings settings,
            String updater,
            long optimizerStateBytes,
            double[] iterationSeconds,
            double[] iterationLoss,
            List<EvalPoint> evals,
            String failure) {
        if (iterationSeconds.length != iterationLoss.length) {
            throw new IllegalArgumentException("seconds and loss arrays differ in length");
        }
        this.settings = settings;
        this.updater = updater;
        this.optimizerStateBytes = optimizerStateBytes;
        this.iterationSeconds = iterationSeconds.clone();
        this.iterationLoss = iterationLoss.clone();
        this.evals = Collections.unmodifiableList(new ArrayList<>(evals));
        this.failure = failure;
    }

    public Settings settings() {
        return settings;
    }

    public String model() {
        return settings.model();
    }

    public Metric metric() {
        return settings.metric();
    }

    /** Label of the optimizer in files and tables. */
    public String optimizer() {
        return settings.optimizer();
    }

    /** The rates besides the main one that this run set ({@code --adam-lr}, {@code --sign-lr}; null: default). */
    public OptimizerRegistry.Extras extras() {
        return settings.extras();
    }

    public double learningRate() {
        return settings.learningRate();
    }

    /** Decoupled weight decay coefficient, or null when none was configured. */
    public Double weightDecay() {
        return settings.weightDecay();
    }

    public int epochs() {
        return settings.epochs();
    }

    public int batch() {
        return settings.batch();
    }

    public long seed() {
        return settings.seed();
    }

    public int trainExamples() {
        return settings.trainExamples();
    }

    public int testExamples() {
        return settings.testExamples();
    }

    /** {@code toString()} of the updater configuration actually used. */
    public String updater() {
        return updater;
    }

    /** Bytes of optimizer state (DL4J's updater state view of the network); 0 for a stateless updater. */
    public long optimizerStateBytes() {
        return optimizerStateBytes;
    }

    /** Null if the run completed; otherwise the reason it was stopped (divergence). */
    public String failure() {
        return failure;
    }

    public boolean failed() {
        return failure != null;
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

    /** Durations of the single iterations (the first one includes warm-up), evaluation time excluded. */
    public double[] iterationDurations() {
        double[] d = new double[iterationSeconds.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = iterationSeconds[i] - (i == 0 ? 0 : iterationSeconds[i - 1]);
        }
        return d;
    }

    /** Median duration of one iteration: robust to the warm-up of the first iterations and to machine noise. */
    public double medianSecondsPerIteration() {
        return median(iterationDurations());
    }

    /** Median of the finite values (NaN if none); the mean of the two middle ones for an even count. */
    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
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

    /** The metric at the last evaluation (NaN without evaluations). */
    public double finalMetric() {
        EvalPoint e = lastEval();
        return e == null ? Double.NaN : e.metric();
    }

    /** The held-out loss at the last evaluation (NaN without evaluations). */
    public double finalLoss() {
        EvalPoint e = lastEval();
        return e == null ? Double.NaN : e.loss();
    }

    /** Best metric of any evaluation (NaN without evaluations). */
    public double bestMetric() {
        double best = Double.NaN;
        for (EvalPoint e : evals) {
            if (metric().better(e.metric(), best)) {
                best = e.metric();
            }
        }
        return best;
    }

    /** The target of {@link #metric()}, or null when none was given. */
    public Double target() {
        return settings.target();
    }

    /** The first evaluation that reached {@link #target()}; null if not reached or no target. */
    public EvalPoint targetReached() {
        return firstReaching(evals, metric(), target());
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
