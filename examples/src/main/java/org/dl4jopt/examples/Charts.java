package org.dl4jopt.examples;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Minimal headless line charts (Java2D + ImageIO, no plotting library): one PNG made of side-by-side panels, each
 * with axes, ticks, grid, axis labels, a title and a legend. Used for a run's {@code curves.png} and for
 * {@code comparison.png}.
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

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
     * One plot area. {@code xSpan} (nullable, {min, max}) is included in the x range, to align panels that share an
     * x axis but not their data (e.g. a few evaluation points below a per-iteration curve).
     */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, double[] xSpan) {
        public Panel(String title, String xLabel, String yLabel, List<Series> series) {
            this(title, xLabel, yLabel, series, null);
        }
    }

    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
            new Color(0x7f7f7f), new Color(0xbcbd22)};

    /** The i-th color of a 10-color qualitative palette (wraps around). */
    public static Color color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /** 1, 2, ..., n as doubles (iteration numbers). */
    public static double[] oneToN(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
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
        int window = smoothingWindow(y.length);
        double beta = 1.0 - 1.0 / window;
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
        int titleHeight = title == null ? 0 : 36;
        int width = panelWidth * panels.size();
        int height = panelHeight + titleHeight;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            if (title != null) {
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
                FontMetrics fm = g.getFontMetrics();
                g.drawString(title, (width - fm.stringWidth(title)) / 2, 26);
            }
            for (int i = 0; i < panels.size(); i++) {
                drawPanel(g, panels.get(i), new Rectangle(i * panelWidth, titleHeight, panelWidth, panelHeight));
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        return bytes.toByteArray();
    }

    // ------------------------------------------------------------------------------------------------ drawing

    private static final int LEFT = 78;
    private static final int RIGHT = 22;
    private static final int TOP = 34;
    private static final int BOTTOM = 56;

    private static void drawPanel(Graphics2D g, Panel p, Rectangle area) {
        Rectangle plot = new Rectangle(area.x + LEFT, area.y + TOP,
                area.width - LEFT - RIGHT, area.height - TOP - BOTTOM);
        double[] xr = range(p.series(), true);
        if (p.xSpan() != null && hasData(p.series())) {
            xr = new double[]{Math.min(xr[0], p.xSpan()[0]), Math.max(xr[1], p.xSpan()[1])};
        }
        double[] yr = range(p.series(), false);
        double yPad = 0.03 * (yr[1] - yr[0]); // keep markers and line ends off the frame
        yr = new double[]{yr[0] - yPad, yr[1] + yPad};
        double[] xt = ticks(xr[0], xr[1]);
        double[] yt = ticks(yr[0], yr[1]);
        // widen the data range to the outermost ticks so the curve fills the frame neatly
        double x0 = Math.min(xr[0], xt[0]);
        double x1 = Math.max(xr[1], xt[xt.length - 1]);
        double y0 = Math.min(yr[0], yt[0]);
        double y1 = Math.max(yr[1], yt[yt.length - 1]);
        Mapper m = new Mapper(plot, x0, x1, y0, y1);

        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 15);

        // grid and ticks
        g.setFont(tickFont);
        FontMetrics fm = g.getFontMetrics();
        double xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
        double yStep = yt.length > 1 ? yt[1] - yt[0] : 1;
        for (double v : xt) {
            int px = (int) Math.round(m.x(v));
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(px, plot.y, px, plot.y + plot.height);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(px, plot.y + plot.height, px, plot.y + plot.height + 5);
            String s = format(v, xStep);
            g.drawString(s, px - fm.stringWidth(s) / 2, plot.y + plot.height + 8 + fm.getAscent());
        }
        for (double v : yt) {
            int py = (int) Math.round(m.y(v));
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(plot.x, py, plot.x + plot.width, py);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(plot.x - 5, py, plot.x, py);
            String s = format(v, yStep);
            g.drawString(s, plot.x - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }

        // series, clipped to the plot area
        Shape oldClip = g.getClip();
        g.clip(new Rectangle(plot.x - 4, plot.y - 4, plot.width + 8, plot.height + 8));
        for (Series s : p.series()) {
            drawSeries(g, s, m);
        }
        g.setClip(oldClip);

        // frame
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(plot.x, plot.y, plot.width, plot.height);

        // title and axis labels
        g.setFont(titleFont);
        fm = g.getFontMetrics();
        if (p.title() != null) {
            g.drawString(p.title(), plot.x + (plot.width - fm.stringWidth(p.title())) / 2, area.y + 22);
        }
        g.setFont(labelFont);
        fm = g.getFontMetrics();
        if (p.xLabel() != null) {
            g.drawString(p.xLabel(), plot.x + (plot.width - fm.stringWidth(p.xLabel())) / 2,
                    area.y + area.height - 12);
        }
        if (p.yLabel() != null) {
            AffineTransform old = g.getTransform();
            g.rotate(-Math.PI / 2);
            // after rotating by -90 degrees, (x, y) on screen is (-y, x) in the rotated frame
            int cx = plot.y + plot.height / 2;
            g.drawString(p.yLabel(), -cx - fm.stringWidth(p.yLabel()) / 2, area.x + 18);
            g.setTransform(old);
        }

        drawLegend(g, p, plot, m);
    }

    private static void drawSeries(Graphics2D g, Series s, Mapper m) {
        double[] x = s.x();
        double[] y = s.y();
        boolean line = s.style() != Style.MARKERS;
        boolean markers = s.style() == Style.MARKERS || s.style() == Style.LINE_MARKERS;
        if (line) {
            Color c = s.color();
            if (s.style() == Style.FAINT) {
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 70));
                g.setStroke(new BasicStroke(1f));
            } else {
                g.setColor(c);
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            }
            Path2D.Double path = new Path2D.Double();
            boolean penDown = false;
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                    continue; // NaN points (e.g. iterations without an evaluation) are bridged
                }
                if (penDown) {
                    path.lineTo(m.x(x[i]), m.y(y[i]));
                } else {
                    path.moveTo(m.x(x[i]), m.y(y[i]));
                    penDown = true;
                }
            }
            g.draw(path);
        }
        if (markers) {
            g.setStroke(new BasicStroke(1.5f));
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                    continue;
                }
                Ellipse2D.Double dot = new Ellipse2D.Double(m.x(x[i]) - 4, m.y(y[i]) - 4, 8, 8);
                g.setColor(Color.WHITE);
                g.fill(dot);
                g.setColor(s.color());
                g.draw(dot);
            }
        }
    }

    /** Legend in whichever plot corner covers the fewest data points. */
    private static void drawLegend(Graphics2D g, Panel p, Rectangle plot, Mapper m) {
        List<Series> entries = new ArrayList<>();
        for (Series s : p.series()) {
            if (s.label() != null) {
                entries.add(s);
            }
        }
        if (entries.isEmpty()) {
            return;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        int textW = 0;
        for (Series s : entries) {
            textW = Math.max(textW, fm.stringWidth(s.label()));
        }
        int rowH = fm.getHeight() + 2;
        int w = 34 + textW + 10;
        int h = rowH * entries.size() + 8;
        int pad = 8;
        Rectangle[] corners = {
                new Rectangle(plot.x + plot.width - w - pad, plot.y + pad, w, h),          // top right
                new Rectangle(plot.x + plot.width - w - pad, plot.y + plot.height - h - pad, w, h), // bottom right
                new Rectangle(plot.x + pad, plot.y + pad, w, h),                           // top left
                new Rectangle(plot.x + pad, plot.y + plot.height - h - pad, w, h)};        // bottom left
        Rectangle best = corners[0];
        int bestCount = Integer.MAX_VALUE;
        for (Rectangle r : corners) {
            int count = 0;
            for (Series s : p.series()) {
                for (int i = 0; i < s.x().length; i++) {
                    if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])
                            && r.contains(m.x(s.x()[i]), m.y(s.y()[i]))) {
                        count++;
                    }
                }
            }
            if (count < bestCount) {
                bestCount = count;
                best = r;
            }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(best.x, best.y, best.width, best.height);
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(best.x, best.y, best.width, best.height);
        int y = best.y + 4;
        for (Series s : entries) {
            int mid = y + rowH / 2;
            g.setColor(s.color());
            if (s.style() == Style.MARKERS) {
                g.setStroke(new BasicStroke(1.5f));
                g.drawOval(best.x + 14, mid - 4, 8, 8);
            } else {
                g.setStroke(new BasicStroke(s.style() == Style.FAINT ? 1f : 2.5f));
                g.drawLine(best.x + 6, mid, best.x + 28, mid);
                if (s.style() == Style.LINE_MARKERS) {
                    g.setColor(Color.WHITE);
                    g.fillOval(best.x + 13, mid - 4, 8, 8);
                    g.setColor(s.color());
                    g.setStroke(new BasicStroke(1.5f));
                    g.drawOval(best.x + 13, mid - 4, 8, 8);
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(s.label(), best.x + 34, mid + fm.getAscent() / 2 - 2);
            y += rowH;
        }
    }

    // ------------------------------------------------------------------------------------------------ scales

    private record Mapper(Rectangle plot, double x0, double x1, double y0, double y1) {
        double x(double v) {
            return plot.x + (v - x0) / (x1 - x0) * plot.width;
        }

        double y(double v) {
            return plot.y + plot.height - (v - y0) / (y1 - y0) * plot.height;
        }
    }

    private static boolean hasData(List<Series> series) {
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Finite [min, max] of all series along one axis, never empty or zero-width. */
    static double[] range(List<Series> series, boolean xAxis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            double[] v = xAxis ? s.x() : s.y();
            double[] other = xAxis ? s.y() : s.x();
            for (int i = 0; i < v.length; i++) {
                if (Double.isFinite(v[i]) && Double.isFinite(other[i])) {
                    lo = Math.min(lo, v[i]);
                    hi = Math.max(hi, v[i]);
                }
            }
        }
        if (lo > hi) {
            return new double[]{0, 1};
        }
        if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
            double d = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 0.5;
            return new double[]{lo - d, hi + d};
        }
        return new double[]{lo, hi};
    }

    /** About five "nice" (1, 2, 2.5, 5 x 10^k) tick values covering [lo, hi]. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag * 10;
        for (double f : new double[]{1, 2, 2.5, 5, 10}) {
            if (f * mag >= raw) {
                step = f * mag;
                break;
            }
        }
        double first = Math.floor(lo / step + 1e-9) * step;
        double last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = first + i * step;
            if (Math.abs(t[i]) < step * 1e-9) {
                t[i] = 0;
            }
        }
        return t;
    }

    /** Tick label with just enough decimals for the tick step. */
    static String format(double v, double step) {
        int decimals = 0;
        while (decimals < 10) {
            double scaled = step * Math.pow(10, decimals);
            if (Math.abs(scaled - Math.rint(scaled)) <= 1e-6 * Math.max(1, scaled)) {
                break;
            }
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
