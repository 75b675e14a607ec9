package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.List;

/** Synthetic run results for report tests: no training, no ND4J backend. */
final class Synthetic {

    private Synthetic() {}

    /** A task for {@link Compare} tests: its {@link #train} makes a run up and notes in {@link #trained} what it was. */
    abstract static class FakeTask implements Task {
        final List<String> trained = new ArrayList<>();

        @Override
        public Metric metric() {
            return Metric.TEST_ACCURACY;
        }

        @Override
        public String describe() {
            return "synthetic data";
        }
    }

    static RunResult.Settings settings(String name, double lr, long seed, int iterations, Double target) {
        return new RunResult.Settings(
                "cnn",
                Metric.TEST_ACCURACY,
                name,
                lr,
                null,
                1,
                64,
                seed,
                iterations * 64,
                500,
                target,
                OptimizerRegistry.Extras.DEFAULTS);
    }

    /** A plausible training curve: exponential decay plus deterministic noise; evaluation every 50 iterations. */
    static RunResult curve(String name, double lr, double rate, double secPerIter, Double target) {
        int n = 150;
        double[] secs = new double[n];
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            secs[i] = (i + 1) * secPerIter;
            loss[i] = 0.3 + 2.0 * Math.exp(-(i + 1) * (1 - rate) / 10.0) + 0.05 * Math.sin(i * 1.7);
        }
        List<RunResult.EvalPoint> evals = new ArrayList<>();
        for (int it = 50; it <= n; it += 50) {
            evals.add(new RunResult.EvalPoint(
                    it, 1, secs[it - 1], 0.6 + it / 1000.0 * (1 - rate) * 3, loss[it - 1] + 0.02));
        }
        return new RunResult(settings(name, lr, 42, n, target), name, 1000, secs, loss, evals, null);
    }

    static RunResult.EvalPoint point(long iteration, double seconds, double accuracy) {
        return new RunResult.EvalPoint(iteration, 1, seconds, accuracy, 1.0 - accuracy);
    }

    /** A run whose per-iteration curve is flat and whose evaluations are {@code evals}. */
    static RunResult run(String name, double lr, long seed, List<RunResult.EvalPoint> evals, Double target) {
        int n = (int) evals.get(evals.size() - 1).iteration();
        double secPerIter = evals.get(evals.size() - 1).seconds() / n;
        double[] secs = new double[n];
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            secs[i] = (i + 1) * secPerIter;
            loss[i] = 1.0;
        }
        return new RunResult(settings(name, lr, seed, n, target), name, 4096, secs, loss, evals, null);
    }

    static RunResult run(String name, List<RunResult.EvalPoint> evals, Double target) {
        return run(name, 0.02, 42, evals, target);
    }

    /** A run that diverged at its third iteration. */
    static RunResult diverged(String name, double lr, Double target) {
        return new RunResult(
                settings(name, lr, 42, 3, target),
                name,
                4096,
                new double[] {0.1, 0.2, 0.3},
                new double[] {2.0, 50.0, Double.NaN},
                List.of(),
                "diverged: loss NaN at iteration 3");
    }

    /** A sweep of one optimizer over {@code candidates} (first seed), choosing by {@link Sweep#best}. */
    static Sweep sweep(String name, List<RunResult> candidates, List<RunResult> repeats) {
        List<Double> lrs = candidates.stream().map(RunResult::learningRate).toList();
        Options.OptimizerPlan plan = new Options.OptimizerPlan(OptimizerRegistry.get(name), name, lrs, lrs.size() > 1);
        List<String> dirs = new ArrayList<>();
        boolean several = candidates.size() > 1 || !repeats.isEmpty();
        for (RunResult r : candidates) {
            dirs.add(several ? name + "/lr" + Reports.shortNum(r.learningRate()) + "-seed" + r.seed() : name);
        }
        for (RunResult r : repeats) {
            dirs.add(name + "/lr" + Reports.shortNum(r.learningRate()) + "-seed" + r.seed());
        }
        return new Sweep(plan, candidates, Sweep.best(candidates), repeats, dirs);
    }

    static Sweep single(RunResult r) {
        return sweep(r.optimizer(), List.of(r), List.of());
    }
}
