package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer's part of a comparison: its learning-rate candidates (all trained with the first seed), the chosen
 * rate, and the repeats of the chosen rate with the other seeds.
 *
 * <p>Choice rule ({@link #best}): among the candidates that did not diverge, those reaching the target win, by the
 * fewest iterations to target (ties: better final metric, then fewer seconds to target). Iterations rather than
 * seconds because the candidates differ only in the learning rate, which does not change the cost of an iteration:
 * fewest iterations is the fastest in expectation, and unlike seconds it is free of the timing noise of a shared
 * machine. Without a target, or when no candidate reaches it: the best final metric (ties: lower final training
 * loss).
 *
 * @param runDirs the output directory of each run, relative to the comparison's directory; keys are
 *                {@code sweep} runs then {@code seedRuns} runs in order ({@link #dirOf})
 */
public record Sweep(
        Options.OptimizerPlan plan, List<RunResult> sweep, int chosen, List<RunResult> seedRuns, List<String> runDirs) {

    /** Index of the best candidate by the rule above; -1 if every candidate failed (diverged). */
    public static int best(List<RunResult> candidates) {
        int best = -1;
        for (int i = 0; i < candidates.size(); i++) {
            RunResult c = candidates.get(i);
            if (c.failed()) {
                continue;
            }
            if (best < 0 || better(c, candidates.get(best))) {
                best = i;
            }
        }
        return best;
    }

    private static boolean better(RunResult a, RunResult b) {
        Long ia = a.iterationsToTarget();
        Long ib = b.iterationsToTarget();
        if (ia != null || ib != null) {
            if (ia == null) {
                return false;
            }
            if (ib == null) {
                return true;
            }
            if (!ia.equals(ib)) {
                return ia < ib;
            }
            if (a.finalMetric() != b.finalMetric()) {
                return a.metric().better(a.finalMetric(), b.finalMetric());
            }
            return a.secondsToTarget() < b.secondsToTarget();
        }
        if (a.finalMetric() != b.finalMetric() && !(Double.isNaN(a.finalMetric()) && Double.isNaN(b.finalMetric()))) {
            return a.metric().better(a.finalMetric(), b.finalMetric());
        }
        return a.finalTrainLoss() < b.finalTrainLoss();
    }

    public String label() {
        return plan.label();
    }

    /** The chosen run of the first seed, or null if every candidate diverged. */
    public RunResult chosenRun() {
        return chosen < 0 ? null : sweep.get(chosen);
    }

    /** The chosen learning rate (NaN if every candidate diverged). */
    public double chosenLearningRate() {
        return chosen < 0 ? Double.NaN : sweep.get(chosen).learningRate();
    }

    public boolean allDiverged() {
        return chosen < 0;
    }

    /** Whether the chosen rate is the smallest or largest of a sweep of at least two: the range may be too narrow. */
    public boolean chosenAtEdge() {
        return chosen >= 0 && sweep.size() > 1 && (chosen == 0 || chosen == sweep.size() - 1);
    }

    /** The chosen rate's runs of every seed (first seed first); empty if every candidate diverged. */
    public List<RunResult> chosenRuns() {
        List<RunResult> runs = new ArrayList<>();
        if (chosen >= 0) {
            runs.add(sweep.get(chosen));
            runs.addAll(seedRuns);
        }
        return runs;
    }

    /** The output directory (relative) of {@code r}, one of this sweep's runs. */
    public String dirOf(RunResult r) {
        int i = indexOf(sweep, r);
        if (i >= 0) {
            return runDirs.get(i);
        }
        i = indexOf(seedRuns, r);
        if (i >= 0) {
            return runDirs.get(sweep.size() + i);
        }
        throw new IllegalArgumentException("not a run of " + label());
    }

    private static int indexOf(List<RunResult> runs, RunResult r) {
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i) == r) {
                return i;
            }
        }
        return -1;
    }

    /** Number of the chosen rate's seeds whose run reached the target. */
    public int seedsReached() {
        return (int)
                chosenRuns().stream().filter(r -> r.targetReached() != null).count();
    }

    /**
     * Median over the chosen rate's seeds of the seconds to target, a run that missed the target counting as
     * infinitely slow: null when the median is such a run (or there is no run).
     */
    public Double medianSecondsToTarget() {
        return medianOrNull(chosenRuns().stream()
                .mapToDouble(r -> r.secondsToTarget() == null ? Double.POSITIVE_INFINITY : r.secondsToTarget())
                .toArray());
    }

    /** As {@link #medianSecondsToTarget()}, for the iterations to target. */
    public Double medianIterationsToTarget() {
        return medianOrNull(chosenRuns().stream()
                .mapToDouble(r -> r.iterationsToTarget() == null ? Double.POSITIVE_INFINITY : r.iterationsToTarget())
                .toArray());
    }

    /** {min, max} seconds to target over the seeds that reached it; null if none did. */
    public double[] secondsToTargetRange() {
        double[] v = chosenRuns().stream()
                .filter(r -> r.secondsToTarget() != null)
                .mapToDouble(RunResult::secondsToTarget)
                .toArray();
        return v.length == 0
                ? null
                : new double[] {
                    Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow()
                };
    }

    /**
     * Per seed, this optimizer's time (or iterations, {@code iterations}) to target divided by {@code base}'s at the
     * same seed, sorted; a seed this optimizer missed counts as infinitely slow, a seed {@code base} missed is left
     * out. Empty when no seed pairs up.
     */
    public double[] ratiosPerSeed(Sweep base, boolean iterations) {
        Map<Long, Double> baseBySeed = new HashMap<>();
        for (RunResult r : base.chosenRuns()) {
            Double v = toTarget(r, iterations);
            if (v != null && v > 0) {
                baseBySeed.put(r.seed(), v);
            }
        }
        return chosenRuns().stream()
                .filter(r -> baseBySeed.containsKey(r.seed()))
                .mapToDouble(r -> {
                    Double v = toTarget(r, iterations);
                    return v == null ? Double.POSITIVE_INFINITY : v / baseBySeed.get(r.seed());
                })
                .sorted()
                .toArray();
    }

    private static Double toTarget(RunResult r, boolean iterations) {
        if (iterations) {
            Long it = r.iterationsToTarget();
            return it == null ? null : it.doubleValue();
        }
        return r.secondsToTarget();
    }

    /** Median over seeds of the final metric. */
    public double medianFinalMetric() {
        return RunResult.median(
                chosenRuns().stream().mapToDouble(RunResult::finalMetric).toArray());
    }

    /** Median over seeds of the final held-out loss. */
    public double medianFinalLoss() {
        return RunResult.median(
                chosenRuns().stream().mapToDouble(RunResult::finalLoss).toArray());
    }

    /** Median duration of one iteration over all iterations of the chosen rate's runs. */
    public double medianSecondsPerIteration() {
        return RunResult.median(chosenRuns().stream()
                .flatMapToDouble(r -> Arrays.stream(r.iterationDurations()))
                .toArray());
    }

    /** Median of {@code v} with infinities allowed; null for an infinite median or an empty array. */
    static Double medianOrNull(double[] v) {
        if (v.length == 0) {
            return null;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        double med = s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
        return Double.isInfinite(med) ? null : med;
    }
}
