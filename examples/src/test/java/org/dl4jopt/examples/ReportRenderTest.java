package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders a comparison's {@code report.html} in Debian's headless Chromium ({@code /usr/bin/chromium}) with the
 * network effectively off, and checks that every chart image decodes and shows one line colour per optimizer, and
 * that text reaches the page escaped (the browser's text equals the original, markup included). Fails, with the
 * install command, when Chromium is missing.
 */
class ReportRenderTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final int WIDTH = 1400;

    @Test
    void reportRendersItsChartsInHeadlessChromium(@TempDir Path tmp) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("Headless Chromium is needed to test report.html and " + CHROMIUM + " is missing. Install it with "
                    + "'sudo apt-get install -y chromium' (scripts/test installs it when missing).");
        }
        Double target = 0.7;
        List<Sweep> sweeps = List.of(
                Synthetic.sweep(
                        "muon",
                        List.of(
                                Synthetic.curve("muon", 0.01, 0.8, 0.005, target),
                                Synthetic.curve("muon", 0.02, 0.7, 0.005, target),
                                Synthetic.diverged("muon", 0.04, target)),
                        List.of()),
                Synthetic.single(Synthetic.curve("adam", 1e-3, 0.75, 0.004, target)),
                Synthetic.single(Synthetic.curve("sgd", 0.05, 0.85, 0.003, target)));
        String dataLine = "Data <b>bold?</b> & \"quotes\" 'apostrophes' </p><script>alert(1)</script>";
        Path dir = tmp.resolve("report dir");
        Reports.writeComparison(sweeps, "adam", dataLine, dir);
        Path report = dir.resolve("report.html");
        String html = Files.readString(report);
        assertTrue(
                !html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
                "report.html must be self-contained and script-free");

        // 1. DOM probe: a copy of the page with a script recording each chart's decoded size and position
        Path probe = dir.resolve("probe.html");
        String script = "<script>window.addEventListener('load',function(){var o=[];"
                + "document.querySelectorAll('img.chart').forEach(function(i){var r=i.getBoundingClientRect();"
                + "o.push(i.id+':'+i.naturalWidth+':'+i.naturalHeight+':'+Math.round(r.left+scrollX)+':'"
                + "+Math.round(r.top+scrollY)+':'+Math.round(r.width)+':'+Math.round(r.height));});"
                + "document.body.setAttribute('data-charts',o.join(';'));"
                + "document.body.setAttribute('data-height',document.documentElement.scrollHeight);"
                + "document.body.setAttribute('data-note',encodeURIComponent(document.querySelector('p.note')"
                + ".textContent));});</script>";
        Files.writeString(probe, html.replace("</body>", script + "</body>"));
        String dom = chromium(tmp, 1000, "--dump-dom", probe.toUri().toString());
        String charts = attribute(dom, "data-charts");
        String[] entries = charts.split(";");
        assertEquals(HtmlReport.CHART_IDS.size(), entries.length, "chart images in the page: " + charts);
        String note = java.net.URLDecoder.decode(attribute(dom, "data-note"), StandardCharsets.UTF_8);
        assertTrue(note.startsWith(dataLine + "."), "escaped text must render literally: " + note);
        int height = Integer.parseInt(attribute(dom, "data-height"));

        // 2. screenshot of the unmodified page, checked inside each chart's box
        Path shot = tmp.resolve("shot.png");
        chromium(tmp, height, "--screenshot=" + shot, report.toUri().toString());
        BufferedImage img = ImageIO.read(shot.toFile());
        List<Color> lineColors = List.of(Charts.color(0), Charts.color(1), Charts.color(2));
        for (int i = 0; i < entries.length; i++) {
            String[] f = entries[i].split(":");
            assertEquals(HtmlReport.CHART_IDS.get(i), f[0]);
            assertTrue(Integer.parseInt(f[1]) > 0 && Integer.parseInt(f[2]) > 0, "image not decoded: " + entries[i]);
            int x = Integer.parseInt(f[3]);
            int y = Integer.parseInt(f[4]);
            int w = Integer.parseInt(f[5]);
            int h = Integer.parseInt(f[6]);
            assertTrue(
                    w > 300 && h > 150 && x + w <= img.getWidth() && y + h <= img.getHeight(),
                    "chart box " + entries[i] + " outside the " + img.getWidth() + "x" + img.getHeight() + " shot");
            int nonWhite = 0;
            int[] perColor = new int[lineColors.size()];
            for (int py = y; py < y + h; py++) {
                for (int px = x; px < x + w; px++) {
                    int rgb = img.getRGB(px, py);
                    if ((rgb & 0xffffff) != 0xffffff) {
                        nonWhite++;
                    }
                    for (int c = 0; c < lineColors.size(); c++) {
                        if (near(rgb, lineColors.get(c))) {
                            perColor[c]++;
                        }
                    }
                }
            }
            assertTrue(nonWhite > w * h / 50, f[0] + " looks blank: " + nonWhite + " non-white pixels");
            for (int c = 0; c < lineColors.size(); c++) {
                assertTrue(
                        perColor[c] >= 40,
                        f[0] + ": line colour " + c + " (" + sweeps.get(c).label() + ") has only " + perColor[c]
                                + " pixels");
            }
        }
    }

    private static boolean near(int rgb, Color c) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return Math.abs(r - c.getRed()) <= 12 && Math.abs(g - c.getGreen()) <= 12 && Math.abs(b - c.getBlue()) <= 12;
    }

    private static String attribute(String dom, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
        assertTrue(
                m.find(),
                name + " not set by the probe script; DOM:\n" + dom.substring(0, Math.min(2000, dom.length())));
        return m.group(1).replace("&amp;", "&");
    }

    /** Runs headless Chromium with a fresh profile and no network services; returns its standard output. */
    private static String chromium(Path tmp, int windowHeight, String... args)
            throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(tmp, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=" + WIDTH + "," + windowHeight,
                "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("chromium-out-" + System.nanoTime() + ".txt");
        Path err = tmp.resolve("chromium-err-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish in 180 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "Chromium failed: " + cmd + "\n" + Files.readString(err));
        return Files.readString(out);
    }
}
