package org.dl4jopt.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts drawn by XChart: one PNG made of side-by-side panels (one XChart {@link XYChart} each) under an optional
 * title. Used for a run's {@code curves.png}, {@code comparison.png} and the charts of {@code report.html}.
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    /** How a series is drawn. */
    public enum Style {
        /** Solid line, 2 px. */
        LINE,
        /** Thin, translucent line: raw noisy data drawn behind its smoothed version. */
        FAINT,
        /** Markers only. */
        MARKERS,
        /** Line with a marker on every point. */
        LINE_MARKERS
    }

    /** A data series; points with a NaN coordinate are skipped. A null label keeps it out of the legend. */
    public record Series(String label, double[] x, double[] y, Color color, Style style) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("x and y differ in length for series " + label);
            }
        }
    }

    /**
     * One plot area. {@code xSpan} (nullable, {min, max}) is the x range, to align panels that share an x axis but
     * not their data (e.g. a few evaluation points below a per-iteration curve).
     */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, double[] xSpan) {
        public Panel(String title, String xLabel, String yLabel, List<Series> series) {
            this(title, xLabel, yLabel, series, null);
        }
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f), new Color(0xbcbd22)
    };

    private static final int TITLE_HEIGHT = 36;

    /** The i-th color of a 10-color qualitative palette (wraps around). */
    public static Color color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /** 1, 2, ..., n as doubles (iteration numbers). */
    public static double[] oneToN(int n) {
        return IntStream.rangeClosed(1, n).asDoubleStream().toArray();
    }

    /** Time constant (in points) used by {@link #smooth}: about 4% of the series, between 1 (none) and 50. */
    public static int smoothingWindow(int n) {
        return Math.max(1, Math.min(50, n / 25));
    }

    /**
     * Bias-corrected exponential moving average (as TensorBoard's smoothing) with a time constant of
     * {@link #smoothingWindow} points, so that short and long runs look similarly smooth.
     */
    public static double[] smooth(double[] y) {
        double beta = 1.0 - 1.0 / smoothingWindow(y.length);
        double[] out = new double[y.length];
        double avg = 0;
        double weight = 0;
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(y[i])) {
                avg = beta * avg + (1 - beta) * y[i];
                weight = beta * weight + (1 - beta);
            }
            out[i] = weight == 0 ? Double.NaN : avg / weight;
        }
        return out;
    }

    /** Draws the panels side by side, each {@code panelWidth x panelHeight} pixels, and writes a PNG. */
    public static void writePng(Path file, String title, List<Panel> panels, int panelWidth, int panelHeight)
            throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png(title, panels, panelWidth, panelHeight));
    }

    /** As {@link #writePng}, returning the PNG's bytes (e.g. for a {@code data:} URI). */
    public static byte[] png(String title, List<Panel> panels, int panelWidth, int panelHeight) throws IOException {
        int top = title == null ? 0 : TITLE_HEIGHT;
        BufferedImage img =
                new BufferedImage(panelWidth * panels.size(), panelHeight + top, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            if (title != null) {
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
                int w = g.getFontMetrics().stringWidth(title);
                g.drawString(title, Math.max(4, (img.getWidth() - w) / 2), 26);
            }
            for (int i = 0; i < panels.size(); i++) {
                Graphics2D pg = (Graphics2D) g.create(i * panelWidth, top, panelWidth, panelHeight);
                try {
                    chart(panels.get(i), panelWidth, panelHeight).paint(pg, panelWidth, panelHeight);
                } finally {
                    pg.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** One panel as an XChart chart: white background, legend inside the plot, our colors and line styles. */
    static XYChart chart(Panel p, int width, int height) {
        XYChart chart = new XYChartBuilder()
                .width(width)
                .height(height)
                .title(p.title())
                .xAxisTitle(p.xLabel())
                .yAxisTitle(p.yLabel())
                .build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(Color.GRAY);
        st.setLegendPosition(Styler.LegendPosition.InsideNE);
        st.setLegendBackgroundColor(new Color(255, 255, 255, 220));
        st.setMarkerSize(6);
        chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        if (p.xSpan() != null) {
            chart.getStyler().setXAxisMin(p.xSpan()[0]);
            chart.getStyler().setXAxisMax(Math.max(p.xSpan()[1], p.xSpan()[0] + 1e-9));
        }
        int hidden = 0;
        for (Series s : p.series()) {
            double[][] xy = finitePoints(s);
            if (xy[0].length == 0) {
                continue;
            }
            String name = s.label() != null ? s.label() : " ".repeat(++hidden);
            XYSeries xs = chart.addSeries(name, xy[0], xy[1]);
            xs.setShowInLegend(s.label() != null);
            boolean line = s.style() != Style.MARKERS;
            xs.setXYSeriesRenderStyle(line ? XYSeriesRenderStyle.Line : XYSeriesRenderStyle.Scatter);
            xs.setMarker(
                    s.style() == Style.MARKERS || s.style() == Style.LINE_MARKERS
                            ? SeriesMarkers.CIRCLE
                            : SeriesMarkers.NONE);
            Color c = s.style() == Style.FAINT
                    ? new Color(
                            s.color().getRed(), s.color().getGreen(), s.color().getBlue(), 80)
                    : s.color();
            xs.setLineColor(c);
            xs.setMarkerColor(c);
            xs.setLineStyle(new BasicStroke(s.style() == Style.FAINT ? 1f : 2f));
        }
        if (chart.getSeriesMap().isEmpty()) { // XChart needs a series to draw axes: an invisible point
            XYSeries xs = chart.addSeries(" ", new double[] {0}, new double[] {0});
            xs.setShowInLegend(false);
            xs.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** The points of {@code s} whose coordinates are both finite, as {x[], y[]}. */
    private static double[][] finitePoints(Series s) {
        int[] keep = IntStream.range(0, s.x().length)
                .filter(i -> Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i]))
                .toArray();
        return new double[][] {
            Arrays.stream(keep).mapToDouble(i -> s.x()[i]).toArray(),
            Arrays.stream(keep).mapToDouble(i -> s.y()[i]).toArray()
        };
    }
}
