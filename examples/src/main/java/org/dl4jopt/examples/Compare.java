package org.dl4jopt.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains the same model on the same data once per optimizer and learning-rate candidate (first seed), picks each
 * optimizer's best rate ({@link Sweep#best}), repeats it with the other seeds, writes every run to its directory and
 * the comparison ({@code report.html}, {@code comparison.{csv,md,png}}, {@code sweep.csv}) to the output directory.
 *
 * <p>Candidates train largest rate first. With a target and {@code --stop-at-target}, a candidate trains at most as
 * many iterations as a larger rate of the same optimizer needed to reach the target: by {@link Sweep#best}'s rule
 * (fewest iterations to target) a candidate that has not reached it by then cannot be chosen, so the cap saves time
 * without changing the choice.
 */
public final class Compare {

    private Compare() {}

    /**
     * Runs the comparison described by {@code o} on {@code task}; returns the Markdown comparison table with the
     * target lines (also written to comparison.md).
     */
    public static String run(Options o, Task task, RunSpec base, PrintStream progress) throws IOException {
        List<Sweep> sweeps = new ArrayList<>();
        for (Options.OptimizerPlan plan : o.optimizers) {
            boolean several = plan.learningRates().size() > 1 || o.seeds.size() > 1;
            int n = plan.learningRates().size();
            RunResult[] tried = new RunResult[n];
            String[] triedDirs = new String[n];
            Long fewest = null; // fewest iterations to target among this optimizer's candidates so far
            // largest rate first: it tends to reach the target (or diverge) soonest, which caps the others the most
            for (int i = n - 1; i >= 0; i--) {
                RunSpec spec = base.with(plan.choice(i), o.seed());
                if (fewest != null) {
                    spec = spec.cappedAt(fewest);
                    progress.printf(
                            Locale.ROOT,
                            "[%s] at most %d iterations: a larger rate reached the target there%n",
                            plan.label(),
                            fewest);
                }
                triedDirs[i] = runDir(plan, spec, several);
                RunResult r = runOne(task, spec, o, triedDirs[i], progress);
                tried[i] = r;
                if (base.stopAtTarget() && !r.failed() && r.iterationsToTarget() != null) {
                    fewest = fewest == null ? r.iterationsToTarget() : Math.min(fewest, r.iterationsToTarget());
                }
            }
            List<RunResult> candidates = List.of(tried);
            List<String> dirs = new ArrayList<>(List.of(triedDirs));
            int best = Sweep.best(candidates);
            List<RunResult> repeats = new ArrayList<>();
            if (best < 0) {
                progress.printf(
                        Locale.ROOT,
                        "[%s] every learning rate diverged (%s): no result%n",
                        plan.label(),
                        plan.learningRates());
            } else {
                if (candidates.size() > 1) {
                    progress.printf(
                            Locale.ROOT,
                            "[%s] best learning rate of %s: %s%n",
                            plan.label(),
                            plan.learningRates(),
                            Reports.shortNum(candidates.get(best).learningRate()));
                }
                for (long seed : o.seeds.subList(1, o.seeds.size())) {
                    RunSpec spec = base.with(plan.choice(best), seed);
                    String dir = runDir(plan, spec, several);
                    dirs.add(dir);
                    repeats.add(runOne(task, spec, o, dir, progress));
                }
            }
            sweeps.add(new Sweep(plan, candidates, best, repeats, dirs));
        }
        return Reports.writeComparison(sweeps, o.baseline, task.describe(), o.out);
    }

    /** {@code NAME} when the optimizer has a single run, else {@code NAME/lrLR-seedS}. */
    static String runDir(Options.OptimizerPlan plan, RunSpec spec, boolean several) {
        return several
                ? plan.label() + "/lr" + Reports.shortNum(spec.optimizer().learningRate()) + "-seed" + spec.seed()
                : plan.label();
    }

    /** Trains one run and writes its files, or with {@code --resume} reads it back if it was run before. */
    private static RunResult runOne(Task task, RunSpec spec, Options o, String dir, PrintStream progress)
            throws IOException {
        Path runDir = o.out.resolve(dir);
        String key = settingsKey(task, spec);
        if (o.resume && Files.isRegularFile(runDir.resolve(Reports.RUN_FILE))) {
            Reports.StoredRun stored = Reports.readRunFile(runDir);
            if (!stored.settingsKey().equals(key)) {
                throw CliException.usage(runDir + " holds a run of other settings:\n    " + stored.settingsKey()
                        + "\nthis comparison's run is:\n    " + key + "\nUse another --out, or leave out --resume.");
            }
            progress.println("[" + spec.optimizer().label() + "] reused " + runDir + " (--resume)");
            return stored.result();
        }
        RunResult r = task.train(spec, progress);
        Reports.writeRun(r, runDir);
        Reports.writeRunFile(r, key, runDir);
        progress.println("[" + spec.optimizer().label() + "] wrote " + runDir);
        return r;
    }

    /**
     * Everything that decides a run's result, as one line: the data ({@link Task#describe}) and every setting of
     * {@code spec} (the optimizer by its registry name, label and rate).
     */
    static String settingsKey(Task task, RunSpec spec) {
        Options.OptimizerChoice c = spec.optimizer();
        return String.join(
                "; ",
                task.describe(),
                "model " + spec.model(),
                "optimizer " + c.entry().name() + " as " + c.label() + " lr " + c.learningRate(),
                "extras " + spec.extras(),
                "weight decay " + spec.weightDecay(),
                "epochs " + spec.epochs() + " batch " + spec.batch() + " max steps " + spec.maxSteps(),
                "seed " + spec.seed(),
                "eval every " + spec.evalEvery() + " target " + spec.target() + " stop at target "
                        + spec.stopAtTarget(),
                "dtype " + spec.dtype());
    }
}
