package org.dl4jopt.examples;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the files of one run ({@code summary.json}, {@code curves.csv}, {@code evals.csv}, {@code curves.png}) and of
 * a comparison ({@code comparison.csv}, {@code comparison.md}, {@code comparison.png}).
 */
public final class Reports {

    /**
     * Keys of {@code summary.json}, in order; the first eight are the stable contract, the rest are extras. The last
     * three are null without {@code --target-accuracy}; the two "to target" ones also when the target is not reached.
     */
    public static final List<String> SUMMARY_KEYS = List.of(
            "model", "optimizer", "epochs", "iterations", "wall_seconds", "final_train_loss", "test_accuracy",
            "test_loss", "lr", "seed", "batch", "train_examples", "seconds_per_iteration", "target_accuracy",
            "seconds_to_target", "iterations_to_target");

    public static final String CURVES_HEADER = "iteration,seconds,train_loss,test_accuracy";
    public static final String EVALS_HEADER = "iteration,epoch,seconds,test_accuracy,test_loss";
    public static final String COMPARISON_HEADER =
            "optimizer,lr,iterations,wall_seconds,seconds_per_iteration,final_train_loss,test_accuracy,test_loss";
    /** Appended to {@link #COMPARISON_HEADER} when the runs have a target accuracy (empty cells: not reached). */
    public static final String COMPARISON_TARGET_COLUMNS = "target_accuracy,iterations_to_target,seconds_to_target";

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 440;

    private Reports() {
    }

    // ------------------------------------------------------------------------------------------------ one run

    /** Writes all files of one run into {@code dir} (created if needed). */
    public static void writeRun(RunResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        write(dir.resolve("summary.json"), Json.object(summary(r)));
        write(dir.resolve("curves.csv"), curvesCsv(r));
        write(dir.resolve("evals.csv"), evalsCsv(r));
        writeRunChart(r, dir.resolve("curves.png"));
    }

    static Map<String, Object> summary(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("optimizer", r.optimizer());
        m.put("epochs", r.epochs());
        m.put("iterations", r.iterations());
        m.put("wall_seconds", round(r.wallSeconds(), 3));
        m.put("final_train_loss", round(r.finalTrainLoss(), 6));
        m.put("test_accuracy", round(r.testAccuracy(), 6));
        m.put("test_loss", round(r.testLoss(), 6));
        m.put("lr", r.learningRate());
        m.put("seed", r.seed());
        m.put("batch", r.batch());
        m.put("train_examples", r.trainExamples());
        m.put("seconds_per_iteration", round(r.secondsPerIteration(), 5));
        m.put("target_accuracy", r.targetAccuracy());
        Double secondsToTarget = r.secondsToTarget();
        m.put("seconds_to_target", secondsToTarget == null ? null : round(secondsToTarget, 3));
        m.put("iterations_to_target", r.iterationsToTarget());
        return m;
    }

    static String curvesCsv(RunResult r) {
        double[] secs = r.iterationSeconds();
        double[] loss = r.iterationLoss();
        Map<Long, RunResult.EvalPoint> evalAt = new LinkedHashMap<>();
        for (RunResult.EvalPoint e : r.evals()) {
            evalAt.put(e.iteration(), e);
        }
        StringBuilder sb = new StringBuilder(CURVES_HEADER).append('\n');
        for (int i = 0; i < loss.length; i++) {
            long it = i + 1L;
            RunResult.EvalPoint e = evalAt.get(it);
            sb.append(it).append(',')
                    .append(num(secs[i], "%.4f")).append(',')
                    .append(num(loss[i], "%.6f")).append(',')
                    .append(e == null ? "" : num(e.accuracy(), "%.4f"))
                    .append('\n');
        }
        return sb.toString();
    }

    static String evalsCsv(RunResult r) {
        StringBuilder sb = new StringBuilder(EVALS_HEADER).append('\n');
        for (RunResult.EvalPoint e : r.evals()) {
            sb.append(e.iteration()).append(',').append(e.epoch()).append(',')
                    .append(num(e.seconds(), "%.4f")).append(',')
                    .append(num(e.accuracy(), "%.4f")).append(',')
                    .append(num(e.loss(), "%.6f")).append('\n');
        }
        return sb.toString();
    }

    static void writeRunChart(RunResult r, Path png) throws IOException {
        double[] it = Charts.oneToN(r.iterations());
        double[] loss = r.iterationLoss();
        double[] evalIt = r.evals().stream().mapToDouble(RunResult.EvalPoint::iteration).toArray();
        double[] evalAcc = r.evals().stream().mapToDouble(RunResult.EvalPoint::accuracy).toArray();
        double[] evalLoss = r.evals().stream().mapToDouble(RunResult.EvalPoint::loss).toArray();
        Color c = Charts.color(0);
        Color testColor = Charts.color(1);
        Charts.Panel lossPanel = new Charts.Panel("Loss", "iteration", "loss", List.of(
                new Charts.Series(null, it, loss, c, Charts.Style.FAINT),
                new Charts.Series(Charts.smoothingWindow(loss.length) > 1 ? "train loss (smoothed)" : "train loss",
                        it, Charts.smooth(loss), c, Charts.Style.LINE),
                new Charts.Series("test loss", evalIt, evalLoss, testColor, Charts.Style.MARKERS)));
        List<Charts.Series> accSeries = new ArrayList<>(List.of(
                new Charts.Series("test accuracy", evalIt, evalAcc, testColor, Charts.Style.LINE_MARKERS)));
        addTargetLine(accSeries, r.targetAccuracy(), 1, Math.max(1, r.iterations()));
        Charts.Panel accPanel = new Charts.Panel("Test accuracy", "iteration", "accuracy", accSeries,
                new double[]{1, Math.max(1, r.iterations())});
        String title = String.format(Locale.ROOT, "%s / %s (lr %s), %d epoch(s), batch %d, %d train examples",
                r.model(), r.optimizer(), shortNum(r.learningRate()), r.epochs(), r.batch(), r.trainExamples());
        Charts.writePng(png, title, List.of(lossPanel, accPanel), PANEL_WIDTH, PANEL_HEIGHT);
    }

    // ------------------------------------------------------------------------------------------------ comparison

    /**
     * Writes {@code comparison.csv}, {@code comparison.md} and {@code comparison.png}; returns the Markdown table,
     * followed (with a target accuracy) by one line per optimizer on its time to target relative to the first one.
     */
    public static String writeComparison(List<RunResult> runs, List<String> labels, Path dir) throws IOException {
        Files.createDirectories(dir);
        write(dir.resolve("comparison.csv"), comparisonCsv(runs, labels));
        String table = markdownTable(runs, labels);
        List<String> targetLines = targetLines(runs, labels);
        RunResult first = runs.get(0);
        Double target = first.targetAccuracy();
        StringBuilder md = new StringBuilder("# Optimizer comparison: " + first.model() + "\n\n")
                .append(String.format(Locale.ROOT,
                        "%d epoch(s), batch %d, seed %d, %d train / %d test examples. "
                                + "Wall seconds exclude test evaluations; final train loss is the mean minibatch loss "
                                + "of the last iterations; test metrics are from the last evaluation.",
                        first.epochs(), first.batch(), first.seed(), first.trainExamples(), first.testExamples()));
        if (target != null) {
            md.append(" Iterations and seconds to target: at the first evaluation with test accuracy >= ")
                    .append(shortNum(target))
                    .append(" (training seconds; the resolution is the evaluation interval, --eval-every).");
        }
        md.append("\n\n").append(table);
        if (!targetLines.isEmpty()) {
            md.append('\n');
            targetLines.forEach(l -> md.append("- ").append(l).append('\n'));
        }
        md.append("\n![comparison](comparison.png)\n");
        write(dir.resolve("comparison.md"), md.toString());
        writeComparisonChart(runs, labels, dir.resolve("comparison.png"));
        return targetLines.isEmpty() ? table : table + "\n" + String.join("\n", targetLines) + "\n";
    }

    /** The target accuracy shared by the runs of a comparison, or null (none given). */
    static Double commonTarget(List<RunResult> runs) {
        Double t = runs.get(0).targetAccuracy();
        for (RunResult r : runs) {
            if (!Objects.equals(t, r.targetAccuracy())) {
                throw new IllegalArgumentException("runs of one comparison have different target accuracies");
            }
        }
        return t;
    }

    /**
     * One line per optimizer about reaching the target accuracy, relative to the first optimizer, e.g.
     * "dropmuon reaches 0.88 in 0.72x the time of muon (41.3 s vs 57.4 s; 1.02x the iterations, 460 vs 450)".
     * Empty without a target.
     */
    static List<String> targetLines(List<RunResult> runs, List<String> labels) {
        Double target = commonTarget(runs);
        if (target == null) {
            return List.of();
        }
        String t = shortNum(target);
        RunResult base = runs.get(0);
        String baseLabel = labels.get(0);
        RunResult.EvalPoint baseHit = base.targetReached();
        List<String> lines = new ArrayList<>();
        if (baseHit == null) {
            lines.add(String.format(Locale.ROOT, "%s does not reach %s (best test accuracy %s)%s", baseLabel, t,
                    num(base.bestTestAccuracy(), "%.4f"), runs.size() > 1 ? ": no time ratios" : ""));
        } else if (runs.size() == 1) {
            lines.add(String.format(Locale.ROOT, "%s reaches %s in %.1f s (%d iterations)", baseLabel, t,
                    baseHit.seconds(), baseHit.iteration()));
        }
        for (int i = 1; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            RunResult.EvalPoint hit = r.targetReached();
            if (hit == null) {
                lines.add(String.format(Locale.ROOT, "%s does not reach %s (best test accuracy %s)", labels.get(i), t,
                        num(r.bestTestAccuracy(), "%.4f")));
            } else if (baseHit == null) {
                lines.add(String.format(Locale.ROOT, "%s reaches %s in %.1f s (%d iterations)", labels.get(i), t,
                        hit.seconds(), hit.iteration()));
            } else {
                lines.add(String.format(Locale.ROOT,
                        "%s reaches %s in %sx the time of %s (%.1f s vs %.1f s; %sx the iterations, %d vs %d)",
                        labels.get(i), t, ratio(hit.seconds(), baseHit.seconds()), baseLabel, hit.seconds(),
                        baseHit.seconds(), ratio(hit.iteration(), baseHit.iteration()), hit.iteration(),
                        baseHit.iteration()));
            }
        }
        return lines;
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "inf";
    }

    static String comparisonCsv(List<RunResult> runs, List<String> labels) {
        boolean withTarget = commonTarget(runs) != null;
        StringBuilder sb = new StringBuilder(COMPARISON_HEADER)
                .append(withTarget ? "," + COMPARISON_TARGET_COLUMNS : "").append('\n');
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            sb.append(labels.get(i)).append(',')
                    .append(shortNum(r.learningRate())).append(',')
                    .append(r.iterations()).append(',')
                    .append(num(r.wallSeconds(), "%.3f")).append(',')
                    .append(num(r.secondsPerIteration(), "%.5f")).append(',')
                    .append(num(r.finalTrainLoss(), "%.6f")).append(',')
                    .append(num(r.testAccuracy(), "%.4f")).append(',')
                    .append(num(r.testLoss(), "%.6f"));
            if (withTarget) {
                RunResult.EvalPoint hit = r.targetReached();
                sb.append(',').append(shortNum(r.targetAccuracy())).append(',')
                        .append(hit == null ? "" : Long.toString(hit.iteration())).append(',')
                        .append(hit == null ? "" : num(hit.seconds(), "%.3f"));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String markdownTable(List<RunResult> runs, List<String> labels) {
        boolean withTarget = commonTarget(runs) != null;
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("optimizer", "lr", "iterations", "wall_seconds",
                "seconds/iteration", "final train loss", "test accuracy", "test loss"));
        if (withTarget) {
            header.addAll(List.of("iterations to target", "seconds to target"));
        }
        rows.add(header.toArray(new String[0]));
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            List<String> row = new ArrayList<>(List.of(labels.get(i), shortNum(r.learningRate()),
                    Integer.toString(r.iterations()), num(r.wallSeconds(), "%.1f"),
                    num(r.secondsPerIteration(), "%.4f"), num(r.finalTrainLoss(), "%.4f"),
                    num(r.testAccuracy(), "%.4f"), num(r.testLoss(), "%.4f")));
            if (withTarget) {
                RunResult.EvalPoint hit = r.targetReached();
                row.add(hit == null ? "not reached" : Long.toString(hit.iteration()));
                row.add(hit == null ? "not reached" : num(hit.seconds(), "%.1f"));
            }
            rows.add(row.toArray(new String[0]));
        }
        int[] w = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                w[c] = Math.max(w[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int ri = 0; ri < rows.size(); ri++) {
            String[] row = rows.get(ri);
            sb.append('|');
            for (int c = 0; c < row.length; c++) {
                // text column left-aligned, numbers right-aligned
                String cell = c == 0 ? pad(row[c], w[c], false) : pad(row[c], w[c], true);
                sb.append(' ').append(cell).append(" |");
            }
            sb.append('\n');
            if (ri == 0) {
                sb.append('|');
                for (int c = 0; c < row.length; c++) {
                    char[] dashes = new char[Math.max(3, w[c])];
                    Arrays.fill(dashes, '-');
                    if (c > 0) {
                        dashes[dashes.length - 1] = ':';
                    }
                    sb.append(' ').append(dashes).append(" |");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    static void writeComparisonChart(List<RunResult> runs, List<String> labels, Path png) throws IOException {
        List<Charts.Series> byIter = new ArrayList<>();
        List<Charts.Series> bySec = new ArrayList<>();
        List<Charts.Series> acc = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            Color c = Charts.color(i);
            double[] smooth = Charts.smooth(r.iterationLoss());
            String label = labels.get(i) + " (lr " + shortNum(r.learningRate()) + ")";
            byIter.add(new Charts.Series(label, Charts.oneToN(r.iterations()), smooth, c, Charts.Style.LINE));
            bySec.add(new Charts.Series(label, r.iterationSeconds(), smooth, c, Charts.Style.LINE));
            double[] evalSec = r.evals().stream().mapToDouble(RunResult.EvalPoint::seconds).toArray();
            double[] evalAcc = r.evals().stream().mapToDouble(RunResult.EvalPoint::accuracy).toArray();
            acc.add(new Charts.Series(label, evalSec, evalAcc, c, Charts.Style.LINE_MARKERS));
        }
        double maxSeconds = runs.stream().mapToDouble(RunResult::wallSeconds).max().orElse(0);
        addTargetLine(acc, commonTarget(runs), 0, maxSeconds);
        int maxIterations = runs.stream().mapToInt(RunResult::iterations).max().orElse(0);
        String lossLabel = Charts.smoothingWindow(maxIterations) > 1 ? "train loss (smoothed)" : "train loss";
        RunResult first = runs.get(0);
        String title = String.format(Locale.ROOT, "%s on %d train examples, %d epoch(s), batch %d, seed %d",
                first.model(), first.trainExamples(), first.epochs(), first.batch(), first.seed());
        Charts.writePng(png, title, List.of(
                new Charts.Panel("Train loss vs iteration", "iteration", lossLabel, byIter),
                new Charts.Panel("Train loss vs wall time", "training seconds", lossLabel, bySec),
                new Charts.Panel("Test accuracy vs wall time", "training seconds", "test accuracy", acc,
                        new double[]{0, maxSeconds})),
                PANEL_WIDTH, PANEL_HEIGHT);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A faint horizontal line at the target accuracy from {@code x0} to {@code x1}; nothing without a target. */
    private static void addTargetLine(List<Charts.Series> series, Double target, double x0, double x1) {
        if (target != null) {
            series.add(new Charts.Series("target " + shortNum(target), new double[]{x0, x1},
                    new double[]{target, target}, Color.DARK_GRAY, Charts.Style.FAINT));
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - s.length()));
        return right ? spaces + s : s + spaces;
    }

    private static double round(double v, int decimals) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    private static String num(double v, String fmt) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "";
    }

    /** A learning rate as written by a person: 0.02, 0.001, 3e-4. */
    static String shortNum(double v) {
        String plain = String.format(Locale.ROOT, "%.6g", v);
        if (plain.contains("e")) {
            String mant = plain.substring(0, plain.indexOf('e'));
            String exp = plain.substring(plain.indexOf('e') + 1);
            if (mant.contains(".")) {
                mant = mant.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            return mant + "e" + Integer.parseInt(exp);
        }
        if (plain.contains(".")) {
            plain = plain.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return plain;
    }
}
