package org.dl4jopt.examples;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.awt.Color;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes the files of one run ({@code summary.json}, {@code curves.csv}, {@code evals.csv}, {@code curves.png}) and of
 * a comparison ({@code comparison.csv}, {@code comparison.md}, {@code comparison.png}, {@code sweep.csv} and the
 * self-contained {@code report.html} through {@link HtmlReport}).
 */
public final class Reports {

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 440;

    private Reports() {}

    // ------------------------------------------------------------------------------------------------ one run

    /**
     * Keys of {@code summary.json}, in order; the first eight are the stable contract (metric and loss named after
     * the model's {@link Metric}: {@code test_accuracy, test_loss} or {@code validation_bpc, validation_loss}), the
     * rest are extras. The target is null without one; the two "to target" values also when it is not reached.
     */
    public static List<String> summaryKeys(Metric metric) {
        return List.of(
                "model",
                "optimizer",
                "epochs",
                "iterations",
                "wall_seconds",
                "final_train_loss",
                metric.key(),
                metric.lossKey(),
                "lr",
                "weight_decay",
                "adam_lr",
                "sign_lr",
                "damping",
                "seed",
                "batch",
                "train_examples",
                "seconds_per_iteration",
                "median_seconds_per_iteration",
                "optimizer_state_bytes",
                "status",
                metric.targetKey(),
                "seconds_to_target",
                "iterations_to_target");
    }

    public static List<String> curvesHeader(Metric metric) {
        return List.of("iteration", "seconds", "train_loss", metric.key());
    }

    public static List<String> evalsHeader(Metric metric) {
        return List.of("iteration", "epoch", "seconds", metric.key(), metric.lossKey());
    }

    /** The CSV dialect of every file written here: RFC 4180 quoting (only where needed), '\n' line ends. */
    static final CSVFormat CSV =
            CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build();

    /** A CSV file's text: the header, then the rows. */
    static String csv(List<String> header, List<? extends List<?>> rows) {
        StringWriter w = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(w, CSV)) {
            p.printRecord(header);
            p.printRecords(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }

    /** Writes all files of one run into {@code dir} (created if needed). */
    public static void writeRun(RunResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        write(dir.resolve("summary.json"), json(summary(r)));
        write(dir.resolve("curves.csv"), curvesCsv(r));
        write(dir.resolve("evals.csv"), evalsCsv(r));
        writeRunChart(r, dir.resolve("curves.png"));
    }

    /**
     * Jackson writer of {@code summary.json}: pretty-printed ({@code "key": value}), keys in insertion order, NaN and
     * infinities as null (JSON has no such numbers).
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Double.class, new NonFiniteAsNull()));

    /** Writes doubles as JSON numbers, or null when not finite. */
    private static final class NonFiniteAsNull extends StdSerializer<Double> {
        private static final long serialVersionUID = 1L;

        NonFiniteAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (Double.isFinite(v)) {
                g.writeNumber(v);
            } else {
                g.writeNull();
            }
        }
    }

    /** {@code fields} as a pretty-printed JSON object (the format of {@code summary.json}), ending with a newline. */
    static String json(Map<String, ?> fields) {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(
                        Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(pretty).writeValueAsString(fields) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file with everything a run produced, for {@code compare --resume}. */
    public static final String RUN_FILE = "run.json";

    /** The contents of {@link #RUN_FILE}: the run's settings key ({@link Compare#settingsKey}) and its data. */
    public record StoredRun(
            String settingsKey,
            RunResult.Settings settings,
            String updater,
            long optimizerStateBytes,
            double[] iterationSeconds,
            double[] iterationLoss,
            List<RunResult.EvalPoint> evals,
            String failure) {
        /** The run as it was produced. */
        public RunResult result() {
            return new RunResult(
                    settings, updater, optimizerStateBytes, iterationSeconds, iterationLoss, evals, failure);
        }
    }

    /** Plain Jackson for {@link #RUN_FILE}: doubles exact, NaN and infinities as the strings Jackson reads back. */
    private static final ObjectMapper RUN_JSON = new ObjectMapper();

    /** Writes {@link #RUN_FILE} of {@code r} into {@code dir}. */
    public static void writeRunFile(RunResult r, String settingsKey, Path dir) throws IOException {
        StoredRun s = new StoredRun(
                settingsKey,
                r.settings(),
                r.updater(),
                r.optimizerStateBytes(),
                r.iterationSeconds(),
                r.iterationLoss(),
                r.evals(),
                r.failure());
        write(dir.resolve(RUN_FILE), RUN_JSON.writeValueAsString(s) + "\n");
    }

    /** Reads {@link #RUN_FILE} from {@code dir}. */
    public static StoredRun readRunFile(Path dir) throws IOException {
        return RUN_JSON.readValue(dir.resolve(RUN_FILE).toFile(), StoredRun.class);
    }

    /** Reads a run's {@code summary.json} back (keys in file order; numbers as Integer, Long or Double). */
    public static Map<String, Object> readSummary(Path file) throws IOException {
        return JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    static Map<String, Object> summary(RunResult r) {
        Metric metric = r.metric();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("optimizer", r.optimizer());
        m.put("epochs", r.epochs());
        m.put("iterations", r.iterations());
        m.put("wall_seconds", round(r.wallSeconds(), 3));
        m.put("final_train_loss", round(r.finalTrainLoss(), 6));
        m.put(metric.key(), round(r.finalMetric(), 6));
        m.put(metric.lossKey(), round(r.finalLoss(), 6));
        m.put("lr", r.learningRate());
        m.put("weight_decay", r.weightDecay());
        m.put("adam_lr", r.extras().adam());
        m.put("sign_lr", r.extras().sign());
        m.put("damping", r.extras().damping());
        m.put("seed", r.seed());
        m.put("batch", r.batch());
        m.put("train_examples", r.trainExamples());
        m.put("seconds_per_iteration", round(r.secondsPerIteration(), 5));
        m.put("median_seconds_per_iteration", round(r.medianSecondsPerIteration(), 5));
        m.put("optimizer_state_bytes", r.optimizerStateBytes());
        m.put("status", r.failed() ? r.failure() : "ok");
        m.put(metric.targetKey(), r.target());
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
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < loss.length; i++) {
            RunResult.EvalPoint e = evalAt.get(i + 1L);
            rows.add(List.of(
                    Long.toString(i + 1L),
                    num(secs[i], "%.4f"),
                    num(loss[i], "%.6f"),
                    e == null ? "" : num(e.metric(), "%.4f")));
        }
        return csv(curvesHeader(r.metric()), rows);
    }

    static String evalsCsv(RunResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (RunResult.EvalPoint e : r.evals()) {
            rows.add(List.of(
                    Long.toString(e.iteration()),
                    Integer.toString(e.epoch()),
                    num(e.seconds(), "%.4f"),
                    num(e.metric(), "%.4f"),
                    num(e.loss(), "%.6f")));
        }
        return csv(evalsHeader(r.metric()), rows);
    }

    static void writeRunChart(RunResult r, Path png) throws IOException {
        Metric metric = r.metric();
        double[] it = Charts.oneToN(r.iterations());
        double[] loss = r.iterationLoss();
        double[] evalIt =
                r.evals().stream().mapToDouble(RunResult.EvalPoint::iteration).toArray();
        double[] evalMetric =
                r.evals().stream().mapToDouble(RunResult.EvalPoint::metric).toArray();
        double[] evalLoss =
                r.evals().stream().mapToDouble(RunResult.EvalPoint::loss).toArray();
        Color c = Charts.color(0);
        Color testColor = Charts.color(1);
        String heldOut = metric.chartLossLabel();
        Charts.Panel lossPanel = new Charts.Panel(
                "Loss",
                "iteration",
                "loss",
                List.of(
                        new Charts.Series(null, it, loss, c, Charts.Style.FAINT),
                        new Charts.Series(
                                Charts.smoothingWindow(loss.length) > 1 ? "train loss (smoothed)" : "train loss",
                                it,
                                Charts.smooth(loss),
                                c,
                                Charts.Style.LINE),
                        new Charts.Series(heldOut, evalIt, evalLoss, testColor, Charts.Style.MARKERS)));
        List<Charts.Series> metricSeries = new ArrayList<>(
                List.of(new Charts.Series(metric.label(), evalIt, evalMetric, testColor, Charts.Style.LINE_MARKERS)));
        addTargetLine(metricSeries, r.target(), 1, Math.max(1, r.iterations()));
        Charts.Panel metricPanel =
                new Charts.Panel(capitalize(metric.label()), "iteration", metric.label(), metricSeries, new double[] {
                    1, Math.max(1, r.iterations())
                });
        String title = String.format(
                Locale.ROOT,
                "%s / %s (lr %s), %d epoch(s), batch %d, %d train examples%s",
                r.model(),
                r.optimizer(),
                shortNum(r.learningRate()),
                r.epochs(),
                r.batch(),
                r.trainExamples(),
                r.failed() ? " - " + r.failure() : "");
        Charts.writePng(png, title, List.of(lossPanel, metricPanel), PANEL_WIDTH, PANEL_HEIGHT);
    }

    // ------------------------------------------------------------------------------------------------ comparison

    /**
     * Writes {@code comparison.csv}, {@code comparison.md}, {@code comparison.png}, {@code sweep.csv} and
     * {@code report.html}; returns the Markdown table followed (with a target) by one line per optimizer on its time
     * to target relative to {@code baseline}.
     */
    public static String writeComparison(List<Sweep> sweeps, String baseline, String dataLine, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        Comparison c = new Comparison(sweeps, baseline);
        write(dir.resolve("comparison.csv"), c.csv());
        write(dir.resolve("sweep.csv"), c.sweepCsv());
        String table = markdown(c.header(), c.rows());
        List<String> targetLines = c.targetLines();
        StringBuilder md = new StringBuilder("# Optimizer comparison: " + c.model() + "\n\n")
                .append(c.settingsText(dataLine))
                .append("\n\n")
                .append(table);
        if (!targetLines.isEmpty()) {
            md.append('\n');
            targetLines.forEach(l -> md.append("- ").append(l).append('\n'));
        }
        md.append("\nEvery run of the learning-rate sweep: `sweep.csv`; charts and tables: `report.html`.\n");
        md.append("\n![comparison](comparison.png)\n");
        write(dir.resolve("comparison.md"), md.toString());
        writeComparisonChart(c, dir.resolve("comparison.png"));
        HtmlReport.write(c, dataLine, dir.resolve("report.html"));
        return targetLines.isEmpty() ? table : table + "\n" + String.join("\n", targetLines) + "\n";
    }

    /**
     * The series of the comparison charts, one colour per chosen run: smoothed training loss vs iteration and vs
     * seconds (with the held-out evaluations as markers if {@code heldOutMarkers}), and the metric vs seconds with the
     * target line.
     */
    record ChartSeries(
            List<Charts.Series> byIteration,
            List<Charts.Series> bySeconds,
            List<Charts.Series> metric,
            double maxSeconds) {
        static ChartSeries of(Comparison c, boolean heldOutMarkers) {
            List<RunResult> runs = c.chosenRuns();
            ChartSeries s = new ChartSeries(
                    new ArrayList<>(),
                    new ArrayList<>(),
                    new ArrayList<>(),
                    runs.stream().mapToDouble(RunResult::wallSeconds).max().orElse(0));
            for (int i = 0; i < runs.size(); i++) {
                RunResult r = runs.get(i);
                Color col = Charts.color(i);
                String label = c.lineLabel(r);
                double[] smooth = Charts.smooth(r.iterationLoss());
                double[] evalSec = r.evals().stream()
                        .mapToDouble(RunResult.EvalPoint::seconds)
                        .toArray();
                s.byIteration.add(
                        new Charts.Series(label, Charts.oneToN(r.iterations()), smooth, col, Charts.Style.LINE));
                s.bySeconds.add(new Charts.Series(label, r.iterationSeconds(), smooth, col, Charts.Style.LINE));
                if (heldOutMarkers) {
                    double[] evalIt = r.evals().stream()
                            .mapToDouble(RunResult.EvalPoint::iteration)
                            .toArray();
                    double[] evalLoss = r.evals().stream()
                            .mapToDouble(RunResult.EvalPoint::loss)
                            .toArray();
                    s.byIteration.add(new Charts.Series(null, evalIt, evalLoss, col, Charts.Style.MARKERS));
                    s.bySeconds.add(new Charts.Series(null, evalSec, evalLoss, col, Charts.Style.MARKERS));
                }
                double[] evalMetric = r.evals().stream()
                        .mapToDouble(RunResult.EvalPoint::metric)
                        .toArray();
                s.metric.add(new Charts.Series(label, evalSec, evalMetric, col, Charts.Style.LINE_MARKERS));
            }
            addTargetLine(s.metric, c.target(), 0, s.maxSeconds);
            return s;
        }
    }

    static void writeComparisonChart(Comparison c, Path png) throws IOException {
        ChartSeries s = ChartSeries.of(c, false);
        int maxIterations =
                c.chosenRuns().stream().mapToInt(RunResult::iterations).max().orElse(0);
        String lossLabel = Charts.smoothingWindow(maxIterations) > 1 ? "train loss (smoothed)" : "train loss";
        Charts.writePng(
                png,
                c.chartTitle(),
                List.of(
                        new Charts.Panel("Train loss vs iteration", "iteration", lossLabel, s.byIteration()),
                        new Charts.Panel("Train loss vs wall time", "training seconds", lossLabel, s.bySeconds()),
                        new Charts.Panel(
                                capitalize(c.metric().label()) + " vs wall time",
                                "training seconds",
                                c.metric().label(),
                                s.metric(),
                                new double[] {0, s.maxSeconds()})),
                PANEL_WIDTH,
                PANEL_HEIGHT);
    }

    /** A Markdown table: first column left-aligned, the others right-aligned. */
    static String markdown(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] w = new int[header.size()];
        for (List<String> row : all) {
            for (int c = 0; c < row.size(); c++) {
                w[c] = Math.max(w[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int ri = 0; ri < all.size(); ri++) {
            List<String> row = all.get(ri);
            sb.append('|');
            for (int c = 0; c < row.size(); c++) {
                sb.append(' ')
                        .append(pad(row.get(c).replace("|", "\\|"), w[c], c > 0))
                        .append(" |");
            }
            sb.append('\n');
            if (ri == 0) {
                sb.append('|');
                for (int c = 0; c < row.size(); c++) {
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

    // ------------------------------------------------------------------------------------------------ helpers

    /** A faint horizontal line at the target accuracy from {@code x0} to {@code x1}; nothing without a target. */
    static void addTargetLine(List<Charts.Series> series, Double target, double x0, double x1) {
        if (target != null) {
            series.add(new Charts.Series(
                    "target " + shortNum(target),
                    new double[] {x0, x1},
                    new double[] {target, target},
                    Color.DARK_GRAY,
                    Charts.Style.FAINT));
        }
    }

    static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - s.length()));
        return right ? spaces + s : s + spaces;
    }

    static double round(double v, int decimals) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    static String num(double v, String fmt) {
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

    static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
