package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The content of a comparison, shared by {@code comparison.md}, {@code comparison.csv}, {@code sweep.csv} and
 * {@code report.html}: one row per optimizer at its chosen learning rate (per-run columns from the first seed's run;
 * metric and time/iterations to target as medians over the seeds), ratios to the baseline, and one row per run of
 * every sweep.
 */
final class Comparison {

    private final List<Sweep> sweeps;
    private final String baseline;
    private final RunResult first;
    private final Double target;
    private final int seeds;

    Comparison(List<Sweep> sweeps, String baseline) {
        if (sweeps.isEmpty()) {
            throw new IllegalArgumentException("nothing to compare");
        }
        this.sweeps = List.copyOf(sweeps);
        this.baseline = baseline;
        this.first = sweeps.get(0).sweep().get(0);
        this.target = first.target();
        this.seeds =
                sweeps.stream().mapToInt(s -> 1 + s.seedRuns().size()).max().orElse(1);
        for (Sweep s : sweeps) {
            for (RunResult r : s.sweep()) {
                if (!Objects.equals(target, r.target()) || r.metric() != first.metric()) {
                    throw new IllegalArgumentException("runs of one comparison have different targets or metrics");
                }
            }
        }
        if (baseline != null && sweeps.stream().noneMatch(s -> s.label().equals(baseline))) {
            throw new IllegalArgumentException("baseline " + baseline + " is not among the optimizers");
        }
    }

    List<Sweep> sweeps() {
        return sweeps;
    }

    String model() {
        return first.model();
    }

    Metric metric() {
        return first.metric();
    }

    Double target() {
        return target;
    }

    String baseline() {
        return baseline;
    }

    /** The number of seeds per optimizer (1 without {@code --seeds}). */
    int seeds() {
        return seeds;
    }

    boolean anySweep() {
        return sweeps.stream().anyMatch(s -> s.sweep().size() > 1);
    }

    /** The chosen run (first seed) of every optimizer that has one, in order. */
    List<RunResult> chosenRuns() {
        return sweeps.stream().map(Sweep::chosenRun).filter(Objects::nonNull).collect(Collectors.toList());
    }

    /** Legend label of an optimizer's chosen run, e.g. "muon (lr 0.02)". */
    String lineLabel(RunResult r) {
        return r.optimizer() + " (lr " + Reports.shortNum(r.learningRate()) + ")";
    }

    String chartTitle() {
        return String.format(
                Locale.ROOT,
                "%s on %d train examples, %d epoch(s), batch %d, seed %d",
                model(),
                first.trainExamples(),
                first.epochs(),
                first.batch(),
                first.seed());
    }

    /** The paragraph on the settings and definitions above the table. */
    String settingsText(String dataLine) {
        Metric m = metric();
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "%s. %d epoch(s), batch %d, seed %d%s. Seconds are training wall-clock seconds (held-out "
                        + "evaluations excluded); s/iteration is the median duration of one iteration; final train "
                        + "loss is the mean minibatch loss of the last iterations; %s and %s are from the last "
                        + "evaluation.",
                dataLine,
                first.epochs(),
                first.batch(),
                first.seed(),
                seeds > 1 ? " (repeats: " + seeds + " seeds; medians over seeds)" : "",
                m.label(),
                m.lossLabel()));
        if (target != null) {
            sb.append(String.format(
                    Locale.ROOT,
                    " Iterations and seconds to target: at the first evaluation with "
                            + "%s %s %s (the resolution is the evaluation interval, --eval-every).",
                    m.label(),
                    m.higherIsBetter() ? ">=" : "<=",
                    Reports.shortNum(target)));
        }
        if (anySweep()) {
            sb.append(" Learning rates: each optimizer was trained with every candidate rate (seed ")
                    .append(first.seed())
                    .append("); the chosen one ")
                    .append(
                            target != null
                                    ? "reaches the target in the fewest iterations (ties: better final "
                                            + "metric); if none reaches it, the best final " + m.label() + "."
                                    : "has the best final " + m.label() + ".");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ main table

    List<String> header() {
        List<String> h = new ArrayList<>(List.of("optimizer", "lr"));
        if (anySweep()) {
            h.add("lr candidates");
        }
        h.addAll(List.of(
                "iterations",
                "wall seconds",
                "s/iteration (median)",
                "final train loss",
                metric().label(),
                metric().lossLabel(),
                "optimizer state (bytes)"));
        if (target != null) {
            h.addAll(List.of("iterations to target", "seconds to target"));
            if (seeds > 1) {
                h.addAll(List.of("seeds reaching target", "seconds to target (min-max)"));
            }
            h.addAll(List.of("time vs " + baseline, "iterations vs " + baseline));
            if (seeds > 1) {
                h.addAll(List.of(
                        "time vs " + baseline + " per seed (min/median/max)",
                        "iterations vs " + baseline + " per seed (min/median/max)"));
            }
        }
        return h;
    }

    List<List<String>> rows() {
        Sweep base = sweep(baseline);
        List<List<String>> rows = new ArrayList<>();
        for (Sweep s : sweeps) {
            RunResult r = s.chosenRun();
            List<String> row = new ArrayList<>();
            row.add(s.label());
            if (r == null) {
                row.add("diverged");
                while (row.size() < header().size()) {
                    row.add("");
                }
                rows.add(row);
                continue;
            }
            row.add(Reports.shortNum(r.learningRate()));
            if (anySweep()) {
                row.add(s.plan().learningRates().stream().map(Reports::shortNum).collect(Collectors.joining("/"))
                        + (s.chosenAtEdge() ? " (edge)" : ""));
            }
            row.addAll(List.of(
                    Integer.toString(r.iterations()),
                    Reports.num(r.wallSeconds(), "%.1f"),
                    Reports.num(s.medianSecondsPerIteration(), "%.4f"),
                    Reports.num(r.finalTrainLoss(), "%.4f"),
                    Reports.num(s.medianFinalMetric(), "%.4f"),
                    Reports.num(s.medianFinalLoss(), "%.4f"),
                    Long.toString(r.optimizerStateBytes())));
            if (target != null) {
                Double it = s.medianIterationsToTarget();
                Double sec = s.medianSecondsToTarget();
                row.add(it == null ? "not reached" : Reports.num(it, "%.0f"));
                row.add(sec == null ? "not reached" : Reports.num(sec, "%.1f"));
                if (seeds > 1) {
                    row.add(s.seedsReached() + "/" + s.chosenRuns().size());
                    double[] range = s.secondsToTargetRange();
                    row.add(range == null ? "" : Reports.num(range[0], "%.1f") + "-" + Reports.num(range[1], "%.1f"));
                }
                row.add(ratio(sec, base == null ? null : base.medianSecondsToTarget()));
                row.add(ratio(it, base == null ? null : base.medianIterationsToTarget()));
                if (seeds > 1) {
                    row.add(base == null ? "" : minMedianMax(s.ratiosPerSeed(base, false)));
                    row.add(base == null ? "" : minMedianMax(s.ratiosPerSeed(base, true)));
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private Sweep sweep(String label) {
        return sweeps.stream().filter(s -> s.label().equals(label)).findFirst().orElse(null);
    }

    /** "min/median/max" of sorted ratios, "inf" for a seed that missed the target; empty if there are none. */
    static String minMedianMax(double[] sorted) {
        if (sorted.length == 0) {
            return "";
        }
        Double m = Sweep.medianOrNull(sorted); // null: the median seed missed the target
        double med = m == null ? Double.POSITIVE_INFINITY : m;
        return Stream.of(sorted[0], med, sorted[sorted.length - 1])
                .map(v -> Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.2f", v))
                .collect(Collectors.joining("/"));
    }

    private static String ratio(Double a, Double b) {
        return a == null || b == null || !(b > 0) ? "" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    /**
     * One line per optimizer about reaching the target, relative to the baseline, e.g. "dropmuon reaches 0.88 in
     * 0.72x the time of muon (41.3 s vs 57.4 s; 1.02x the iterations, 460 vs 450)". Empty without a target.
     */
    List<String> targetLines() {
        if (target == null) {
            return List.of();
        }
        String t = Reports.shortNum(target);
        String med = seeds > 1 ? " (medians over " + seeds + " seeds)" : "";
        Sweep base = sweep(baseline);
        Double baseSec = base.medianSecondsToTarget();
        Double baseIt = base.medianIterationsToTarget();
        List<String> lines = new ArrayList<>();
        if (baseSec == null) {
            lines.add(String.format(
                    Locale.ROOT, "%s %s%s", baseline, missText(base, t), sweeps.size() > 1 ? ": no time ratios" : ""));
        } else if (sweeps.size() == 1) {
            lines.add(String.format(
                    Locale.ROOT, "%s reaches %s in %.1f s (%.0f iterations)%s", baseline, t, baseSec, baseIt, med));
        }
        for (Sweep s : sweeps) {
            if (s == base) {
                continue;
            }
            Double sec = s.medianSecondsToTarget();
            Double it = s.medianIterationsToTarget();
            if (sec == null) {
                lines.add(s.label() + " " + missText(s, t));
            } else if (baseSec == null) {
                lines.add(String.format(
                        Locale.ROOT, "%s reaches %s in %.1f s (%.0f iterations)%s", s.label(), t, sec, it, med));
            } else {
                lines.add(String.format(
                        Locale.ROOT,
                        "%s reaches %s in %sx the time of %s (%.1f s vs %.1f s; %sx the iterations, %.0f vs %.0f)%s",
                        s.label(),
                        t,
                        ratio(sec, baseSec),
                        baseline,
                        sec,
                        baseSec,
                        ratio(it, baseIt),
                        it,
                        baseIt,
                        med));
            }
        }
        return lines;
    }

    private String missText(Sweep s, String t) {
        if (s.allDiverged()) {
            return "diverged at every learning rate";
        }
        String best = Reports.num(
                s.chosenRuns().stream()
                        .mapToDouble(RunResult::bestMetric)
                        .reduce(Double.NaN, (a, b) -> metric().better(b, a) ? b : a),
                "%.4f");
        return seeds > 1 && s.seedsReached() > 0
                ? String.format(
                        Locale.ROOT,
                        "reaches %s with only %d of %d seeds (best %s %s)",
                        t,
                        s.seedsReached(),
                        s.chosenRuns().size(),
                        metric().label(),
                        best)
                : String.format(Locale.ROOT, "does not reach %s (best %s %s)", t, metric().label(), best);
    }

    // ------------------------------------------------------------------------------------------------ CSV files

    /** {@code comparison.csv}: one line per optimizer, machine-readable columns (empty: not reached / none). */
    String csv() {
        Metric m = metric();
        List<String> cols = new ArrayList<>(List.of(
                "optimizer",
                "lr",
                "lr_candidates",
                "iterations",
                "wall_seconds",
                "seconds_per_iteration",
                "median_seconds_per_iteration",
                "final_train_loss",
                m.key(),
                m.lossKey(),
                "optimizer_state_bytes",
                "seeds"));
        if (target != null) {
            cols.addAll(List.of(
                    m.targetKey(),
                    "iterations_to_target",
                    "seconds_to_target",
                    "seeds_reached",
                    "seconds_to_target_min",
                    "seconds_to_target_max",
                    "time_ratio_to_baseline",
                    "iterations_ratio_to_baseline",
                    "baseline"));
        }
        List<List<String>> rows = new ArrayList<>();
        Sweep base = sweep(baseline);
        for (Sweep s : sweeps) {
            RunResult r = s.chosenRun();
            List<String> v = new ArrayList<>();
            v.add(s.label());
            v.add(r == null ? "" : Reports.shortNum(r.learningRate()));
            v.add(s.plan().learningRates().stream().map(Reports::shortNum).collect(Collectors.joining("/")));
            if (r == null) {
                while (v.size() < 11) {
                    v.add("");
                }
                v.add(Integer.toString(0));
            } else {
                v.addAll(List.of(
                        Integer.toString(r.iterations()),
                        Reports.num(r.wallSeconds(), "%.3f"),
                        Reports.num(r.secondsPerIteration(), "%.5f"),
                        Reports.num(s.medianSecondsPerIteration(), "%.5f"),
                        Reports.num(r.finalTrainLoss(), "%.6f"),
                        Reports.num(s.medianFinalMetric(), "%.4f"),
                        Reports.num(s.medianFinalLoss(), "%.6f"),
                        Long.toString(r.optimizerStateBytes()),
                        Integer.toString(s.chosenRuns().size())));
            }
            if (target != null) {
                Double it = s.medianIterationsToTarget();
                Double sec = s.medianSecondsToTarget();
                double[] range = s.secondsToTargetRange();
                v.addAll(List.of(
                        Reports.shortNum(target),
                        it == null ? "" : Reports.num(it, "%.0f"),
                        sec == null ? "" : Reports.num(sec, "%.3f"),
                        Integer.toString(s.seedsReached()),
                        range == null ? "" : Reports.num(range[0], "%.3f"),
                        range == null ? "" : Reports.num(range[1], "%.3f"),
                        ratio(sec, base.medianSecondsToTarget()),
                        ratio(it, base.medianIterationsToTarget()),
                        baseline));
            }
            rows.add(v);
        }
        return Reports.csv(cols, rows);
    }

    /** Columns of {@code sweep.csv} for {@code metric}. */
    static List<String> sweepColumns(Metric m) {
        return List.of(
                "optimizer",
                "lr",
                "seed",
                "chosen",
                "status",
                "iterations",
                "wall_seconds",
                "median_seconds_per_iteration",
                "final_train_loss",
                m.key(),
                m.lossKey(),
                m.targetKey(),
                "iterations_to_target",
                "seconds_to_target",
                "dir");
    }

    /** Header line of {@code sweep.csv} for {@code metric}. */
    static String sweepHeader(Metric m) {
        return String.join(",", sweepColumns(m));
    }

    /** Every run, sweep candidates and seed repeats alike. */
    List<SweepRow> allRuns() {
        List<SweepRow> rows = new ArrayList<>();
        for (Sweep s : sweeps) {
            for (int i = 0; i < s.sweep().size(); i++) {
                RunResult r = s.sweep().get(i);
                rows.add(new SweepRow(s, r, i == s.chosen() ? "yes" : "no"));
            }
            for (RunResult r : s.seedRuns()) {
                rows.add(new SweepRow(s, r, "repeat"));
            }
        }
        return rows;
    }

    /** One run in the sweep table: {@code chosen} is yes, no, or repeat (the chosen rate with another seed). */
    record SweepRow(Sweep sweep, RunResult run, String chosen) {
        String status() {
            return run.failed() ? run.failure() : "ok";
        }
    }

    String sweepCsv() {
        List<List<String>> rows = new ArrayList<>();
        for (SweepRow row : allRuns()) {
            RunResult r = row.run();
            Long it = r.iterationsToTarget();
            Double sec = r.secondsToTarget();
            rows.add(List.of(
                    row.sweep().label(),
                    Reports.shortNum(r.learningRate()),
                    Long.toString(r.seed()),
                    row.chosen(),
                    row.status(),
                    Integer.toString(r.iterations()),
                    Reports.num(r.wallSeconds(), "%.3f"),
                    Reports.num(r.medianSecondsPerIteration(), "%.5f"),
                    Reports.num(r.finalTrainLoss(), "%.6f"),
                    Reports.num(r.finalMetric(), "%.4f"),
                    Reports.num(r.finalLoss(), "%.6f"),
                    target == null ? "" : Reports.shortNum(target),
                    it == null ? "" : Long.toString(it),
                    sec == null ? "" : Reports.num(sec, "%.3f"),
                    row.sweep().dirOf(r)));
        }
        return Reports.csv(sweepColumns(metric()), rows);
    }
}
