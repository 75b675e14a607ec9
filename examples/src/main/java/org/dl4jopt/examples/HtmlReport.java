package org.dl4jopt.examples;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.commons.text.StringEscapeUtils;

/**
 * Writes a comparison's {@code report.html}: one self-contained page (inline CSS, charts as PNG {@code data:} URIs,
 * no script, nothing fetched from the network) with the comparison table, the loss charts vs iteration and vs wall
 * time and the metric chart (one line per optimizer at its chosen learning rate), and the table of every run of the
 * sweep with links to the run directories next to the page. All text is HTML-escaped.
 */
final class HtmlReport {

    /** Element ids of the chart images, in page order (used by the rendering test). */
    static final List<String> CHART_IDS = List.of("chart-loss-iteration", "chart-loss-seconds", "chart-metric");

    private static final int CHART_WIDTH = 900;
    private static final int CHART_HEIGHT = 500;

    private static final String CSS = String.join(
            "\n",
            "body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}",
            "table{border-collapse:collapse;margin:12px 0 20px;font-size:14px}",
            "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}",
            "th{background:#f2f2f2}",
            "td:first-child,th:first-child{text-align:left}",
            "tr.chosen td{font-weight:bold}",
            "tr.failed td{color:#a00}",
            "figure{margin:16px 0}",
            "img.chart{display:block;max-width:100%;height:auto;border:1px solid #ddd}",
            "figcaption{font-size:13px;color:#555;margin-top:4px}",
            "p.note{font-size:14px;color:#444}");

    private HtmlReport() {}

    static void write(Comparison c, String dataLine, Path file) throws IOException {
        Reports.write(file, html(c, dataLine));
    }

    static String html(Comparison c, String dataLine) throws IOException {
        Metric m = c.metric();
        String title = "Optimizer comparison: " + c.model();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title))
                .append("</title>\n<style>\n")
                .append(CSS)
                .append("\n</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p class=\"note\">").append(esc(c.settingsText(dataLine))).append("</p>\n");

        h.append("<h2>Result per optimizer (chosen learning rate)</h2>\n");
        table(h, "results", c.header(), c.rows(), null);
        List<String> notes = new ArrayList<>(c.targetLines());
        for (Sweep s : c.sweeps()) {
            if (s.chosenAtEdge()) {
                notes.add(s.label() + ": the chosen learning rate " + Reports.shortNum(s.chosenLearningRate())
                        + " is at the edge of the sweep; a wider sweep may find a better one.");
            }
            if (s.allDiverged()) {
                notes.add(s.label() + ": every learning rate diverged; see the sweep table.");
            }
        }
        if (!notes.isEmpty()) {
            h.append("<ul>\n");
            notes.forEach(n -> h.append("<li>").append(esc(n)).append("</li>\n"));
            h.append("</ul>\n");
        }

        String heldOut = m.chartLossLabel();
        List<byte[]> charts = charts(c, heldOut);
        List<String> captions = List.of(
                "Training loss (lines, smoothed) and " + heldOut + " (circles, at the evaluations) vs iteration, "
                        + "one colour per optimizer at its chosen learning rate.",
                "The same losses vs training wall-clock seconds (evaluations excluded).",
                capitalize(m.label()) + " vs training seconds"
                        + (c.target() != null
                                ? "; the grey line is the target " + Reports.shortNum(c.target()) + "."
                                : "."));
        h.append("<h2>Charts</h2>\n");
        for (int i = 0; i < charts.size(); i++) {
            h.append("<figure><img class=\"chart\" id=\"")
                    .append(CHART_IDS.get(i))
                    .append("\" width=\"")
                    .append(CHART_WIDTH)
                    .append("\" height=\"")
                    .append(CHART_HEIGHT + 36)
                    .append("\" alt=\"")
                    .append(esc(captions.get(i)))
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(charts.get(i)))
                    .append("\"><figcaption>")
                    .append(esc(captions.get(i)))
                    .append("</figcaption></figure>\n");
        }

        h.append("<h2>Every run")
                .append(c.anySweep() ? " of the learning-rate sweep" : "")
                .append(c.seeds() > 1 ? " and the seed repeats" : "")
                .append("</h2>\n");
        h.append("<p class=\"note\">chosen: yes = the optimizer's chosen rate, repeat = the chosen rate with "
                + "another seed. Also in sweep.csv.</p>\n");
        List<String> header = List.of(
                "optimizer",
                "lr",
                "seed",
                "chosen",
                "status",
                "iterations",
                "s/iteration (median)",
                "final train loss",
                m.label(),
                m.lossLabel(),
                "iterations to target",
                "seconds to target",
                "files");
        List<List<String>> rows = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        List<String> links = new ArrayList<>();
        for (Comparison.SweepRow row : c.allRuns()) {
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
                    Reports.num(r.medianSecondsPerIteration(), "%.4f"),
                    Reports.num(r.finalTrainLoss(), "%.4f"),
                    Reports.num(r.finalMetric(), "%.4f"),
                    Reports.num(r.finalLoss(), "%.4f"),
                    it == null ? (c.target() == null ? "" : "not reached") : Long.toString(it),
                    sec == null ? (c.target() == null ? "" : "not reached") : Reports.num(sec, "%.1f"),
                    ""));
            classes.add(r.failed() ? "failed" : row.chosen().equals("yes") ? "chosen" : "");
            links.add(row.sweep().dirOf(r));
        }
        table(h, "runs", header, rows, classes, links);
        h.append("<p class=\"note\">Per run: summary.json, curves.csv, evals.csv and curves.png in its directory "
                + "next to this page.</p>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static List<byte[]> charts(Comparison c, String heldOut) throws IOException {
        Reports.ChartSeries s = Reports.ChartSeries.of(c, true);
        List<Charts.Series> byIter = s.byIteration();
        List<Charts.Series> bySec = s.bySeconds();
        List<Charts.Series> metric = s.metric();
        double maxSeconds = s.maxSeconds();
        String title = c.chartTitle();
        String y = "loss (train smoothed; " + heldOut + ")";
        return List.of(
                Charts.png(
                        title,
                        List.of(new Charts.Panel("Loss vs iteration", "iteration", y, byIter)),
                        CHART_WIDTH,
                        CHART_HEIGHT),
                Charts.png(
                        title,
                        List.of(new Charts.Panel("Loss vs wall time", "training seconds", y, bySec)),
                        CHART_WIDTH,
                        CHART_HEIGHT),
                Charts.png(
                        title,
                        List.of(new Charts.Panel(
                                capitalize(c.metric().label()) + " vs wall time",
                                "training seconds",
                                c.metric().label(),
                                metric,
                                new double[] {0, maxSeconds})),
                        CHART_WIDTH,
                        CHART_HEIGHT));
    }

    private static void table(
            StringBuilder h, String id, List<String> header, List<List<String>> rows, List<String> rowClasses) {
        table(h, id, header, rows, rowClasses, null);
    }

    /** A table; {@code links} (nullable) puts links to a run directory's files into the last column. */
    private static void table(
            StringBuilder h,
            String id,
            List<String> header,
            List<List<String>> rows,
            List<String> rowClasses,
            List<String> links) {
        h.append("<table id=\"").append(esc(id)).append("\">\n<tr>");
        header.forEach(col -> h.append("<th>").append(esc(col)).append("</th>"));
        h.append("</tr>\n");
        for (int i = 0; i < rows.size(); i++) {
            String cls = rowClasses == null ? "" : rowClasses.get(i);
            h.append(cls.isEmpty() ? "<tr>" : "<tr class=\"" + esc(cls) + "\">");
            List<String> row = rows.get(i);
            for (int j = 0; j < row.size(); j++) {
                h.append("<td>");
                if (links != null && j == row.size() - 1) {
                    String dir = links.get(i);
                    for (String f : List.of("summary.json", "curves.csv", "curves.png")) {
                        h.append("<a href=\"")
                                .append(esc(href(dir + "/" + f)))
                                .append("\">")
                                .append(esc(f))
                                .append("</a> ");
                    }
                } else {
                    h.append(esc(row.get(j)));
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** A relative URL of a path made of our own file and directory names (spaces and non-ASCII percent-encoded). */
    static String href(String path) {
        try {
            return new URI(null, null, path, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(path, e);
        }
    }

    /** Escapes text for HTML element content and double-quoted attribute values (commons-text). */
    static String esc(String s) {
        return StringEscapeUtils.escapeHtml4(s);
    }

    private static String capitalize(String s) {
        return Reports.capitalize(s);
    }
}
