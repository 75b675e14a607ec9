package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/** Learning-rate sweep and seed options, the best-rate rule, medians over seeds, sweep.csv and the HTML escaping. */
class SweepTest {

    @Test
    void parsesSweepsSeedsAndBaseline() {
        Options o = Options.parse(
                "compare",
                "cnn",
                "--optimizers",
                "muon,adam,sgd:0.1,fismo:0.001/0.003",
                "--lr-sweep",
                "0.5,1,2",
                "--seeds",
                "1,2,3",
                "--out",
                "d");
        assertEquals(List.of(0.01, 0.02, 0.04), o.optimizers.get(0).learningRates()); // default 0.02 x m
        assertEquals(List.of(5e-4, 1e-3, 2e-3), o.optimizers.get(1).learningRates());
        assertEquals(List.of(0.05, 0.1, 0.2), o.optimizers.get(2).learningRates()); // NAME:LR is the base
        assertEquals(List.of(0.001, 0.003), o.optimizers.get(3).learningRates()); // explicit list kept
        assertTrue(o.optimizers.get(3).swept());
        assertEquals(List.of(1L, 2L, 3L), o.seeds);
        assertEquals(1L, o.seed());
        assertEquals("adam", o.baseline); // adam when listed
        assertEquals(
                List.of(3e-4, 3e-3),
                Options.parse("compare", "cnn", "--optimizers", "adam:3e-3/3e-4", "--out", "d")
                        .optimizers
                        .get(0)
                        .learningRates()); // sorted
        assertEquals(
                0.003,
                Options.parse("compare", "cnn", "--optimizers", "adam", "--lr-sweep", "3", "--out", "d")
                        .optimizers
                        .get(0)
                        .learningRates()
                        .get(0)); // 1e-3*3 rounded
        Options noSweep =
                Options.parse("compare", "cnn", "--optimizers", "muon,sgd", "--baseline", "sgd", "--out", "d");
        assertFalse(noSweep.optimizers.get(0).swept());
        assertEquals("sgd", noSweep.baseline);
        assertEquals("muon", Options.parse("compare", "cnn", "--optimizers", "muon,sgd", "--out", "d").baseline);
        Options stop =
                Options.parse("cnn", "--target-accuracy", "0.8", "--stop-at-target", "--max-steps", "50", "--out", "d");
        assertTrue(stop.stopAtTarget);
        assertEquals(50, stop.maxSteps);

        for (String[] bad : List.of(
                new String[] {"cnn", "--lr-sweep", "0.5,1", "--out", "d"},
                new String[] {"cnn", "--seeds", "1,2", "--out", "d"},
                new String[] {"compare", "cnn", "--seed", "1", "--seeds", "1,2", "--out", "d"},
                new String[] {"compare", "cnn", "--seeds", "1,1", "--out", "d"},
                new String[] {"compare", "cnn", "--lr-sweep", "0,1", "--out", "d"},
                new String[] {"compare", "cnn", "--optimizers", "adam:1e-3/1e-3", "--out", "d"},
                new String[] {"compare", "cnn", "--optimizers", "adam,adam:1e-3/2e-3", "--out", "d"},
                new String[] {"compare", "cnn", "--baseline", "sgd", "--out", "d"},
                new String[] {"cnn", "--stop-at-target", "--out", "d"},
                new String[] {"cnn", "--stop-at-target=yes", "--target-accuracy", "0.5", "--out", "d"})) {
            assertThrows(CliException.class, () -> Options.parse(bad), String.join(" ", bad));
        }
        assertTrue(Options.USAGE.contains("--lr-sweep=M1,M2,..."));
        assertTrue(Options.USAGE.contains("--seeds=S1,S2,..."));
    }

    @Test
    void adamwIsAdamWithDecoupledDecayByDefault() {
        OptimizerRegistry.Entry e = OptimizerRegistry.get("adamw");
        assertInstanceOf(
                Adam.class, e.create(null, e.effectiveWeightDecay(null), 1, OptimizerRegistry.Extras.DEFAULTS));
        assertEquals(0.01, e.effectiveWeightDecay(null));
        assertEquals(0.05, e.effectiveWeightDecay(0.05));
        assertSame(OptimizerRegistry.WeightDecayMode.DL4J_REGULARIZATION, e.weightDecayMode());
        assertNull(OptimizerRegistry.get("adam").effectiveWeightDecay(null));
    }

    private static void assertSame(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertSame(a, b);
    }

    @Test
    void bestRateReachesTheTargetInFewestIterations() {
        Double t = 0.75;
        // lr 0.01: reaches at iteration 30 but in fewer seconds; lr 0.02: at 20 (chosen: iterations, not seconds)
        RunResult slowSteps = Synthetic.run("muon", 0.01, 1, List.of(point(10, 0.5, 0.6), point(30, 1.5, 0.8)), t);
        RunResult fewSteps = Synthetic.run(
                "muon", 0.02, 1, List.of(point(10, 2.0, 0.6), point(20, 4.0, 0.76), point(30, 6.0, 0.77)), t);
        RunResult never = Synthetic.run("muon", 0.04, 1, List.of(point(10, 1.0, 0.74), point(30, 3.0, 0.745)), t);
        RunResult div = Synthetic.diverged("muon", 0.08, t);
        assertEquals(1, Sweep.best(List.of(slowSteps, fewSteps, never, div)));
        // equal iterations: better final metric wins
        RunResult sameStepsBetter =
                Synthetic.run("muon", 0.03, 1, List.of(point(20, 5.0, 0.76), point(30, 7.0, 0.79)), t);
        assertEquals(1, Sweep.best(List.of(fewSteps, sameStepsBetter)));
        // nobody reaches: best final metric; no target at all: the same
        assertEquals(0, Sweep.best(List.of(never, Synthetic.run("muon", 0.05, 1, List.of(point(30, 3, 0.7)), t))));
        assertEquals(
                1,
                Sweep.best(List.of(
                        Synthetic.run("a", 0.1, 1, List.of(point(30, 3, 0.7)), null),
                        Synthetic.run("a", 0.2, 1, List.of(point(30, 3, 0.71)), null))));
        assertEquals(-1, Sweep.best(List.of(div, Synthetic.diverged("muon", 0.16, t))));

        Sweep s = Synthetic.sweep("muon", List.of(slowSteps, fewSteps, never), List.of());
        assertFalse(s.chosenAtEdge());
        assertTrue(
                Synthetic.sweep("muon", List.of(slowSteps, fewSteps), List.of()).chosenAtEdge());
    }

    @Test
    void mediansOverSeedsCountMissesAsInfinitelySlow() {
        Double t = 0.75;
        RunResult s1 = Synthetic.run("adam", 1e-3, 1, List.of(point(10, 2.0, 0.8)), t);
        RunResult s2 = Synthetic.run("adam", 1e-3, 2, List.of(point(10, 1.0, 0.6), point(20, 6.0, 0.76)), t);
        RunResult s3 = Synthetic.run("adam", 1e-3, 3, List.of(point(10, 1.0, 0.6), point(20, 2.0, 0.7)), t);
        Sweep three = Synthetic.sweep("adam", List.of(s1), List.of(s2, s3));
        assertEquals(6.0, three.medianSecondsToTarget()); // 2, 6, inf
        assertEquals(20.0, three.medianIterationsToTarget()); // 10, 20, inf
        assertEquals(2, three.seedsReached());
        assertEquals(List.of(2.0, 6.0), List.of(three.secondsToTargetRange()[0], three.secondsToTargetRange()[1]));
        assertEquals(0.76, three.medianFinalMetric(), 1e-12); // 0.8, 0.76, 0.7
        Sweep mostlyMissing = Synthetic.sweep(
                "adam", List.of(s3), List.of(s1, Synthetic.run("adam", 1e-3, 4, List.of(point(10, 1.0, 0.6)), t)));
        assertNull(mostlyMissing.medianSecondsToTarget()); // inf, 2, inf
        assertEquals(2.0, Sweep.medianOrNull(new double[] {1, 3}));
        assertEquals("adam/lr0.001-seed2", three.dirOf(s2));
    }

    @Test
    void sweepCsvAndReportListEveryRunEscaped(@TempDir Path tmp) throws Exception {
        Double t = 0.75;
        Sweep muon = Synthetic.sweep(
                "muon",
                List.of(
                        Synthetic.run("muon", 0.01, 1, List.of(point(10, 1.0, 0.6), point(30, 3.0, 0.8)), t),
                        Synthetic.run("muon", 0.02, 1, List.of(point(10, 1.0, 0.76), point(30, 3.0, 0.8)), t),
                        Synthetic.diverged("muon", 0.04, t)),
                List.of(Synthetic.run("muon", 0.02, 2, List.of(point(10, 1.2, 0.6), point(20, 2.2, 0.77)), t)));
        Sweep sgd = Synthetic.single(Synthetic.diverged("sgd", 0.05, t));
        Sweep adam = Synthetic.sweep(
                "adam",
                List.of(Synthetic.run("adam", 1e-3, 1, List.of(point(10, 1.0, 0.6), point(20, 2.0, 0.75)), t)),
                List.of(Synthetic.run("adam", 1e-3, 2, List.of(point(20, 3.0, 0.8)), t)));
        String table = Reports.writeComparison(List.of(muon, sgd, adam), "adam", "x < y & \"z\"", tmp);

        List<String> csv = Files.readAllLines(tmp.resolve("sweep.csv"));
        assertEquals(Comparison.sweepHeader(Metric.TEST_ACCURACY), csv.get(0));
        assertEquals(8, csv.size()); // header, 4 muon, 1 sgd, 2 adam
        assertTrue(csv.get(1).startsWith("muon,0.01,1,no,ok,30,"), csv.get(1));
        assertTrue(csv.get(2).startsWith("muon,0.02,1,yes,ok,30,"), csv.get(2));
        assertTrue(csv.get(2).endsWith(",0.75,10,1.000,muon/lr0.02-seed1"), csv.get(2));
        assertTrue(csv.get(3).startsWith("muon,0.04,42,no,diverged: loss NaN at iteration 3,3,"), csv.get(3));
        assertTrue(csv.get(4).startsWith("muon,0.02,2,repeat,ok,"), csv.get(4));
        assertTrue(csv.get(5).startsWith("sgd,0.05,42,no,diverged"), csv.get(5));
        assertTrue(csv.get(5).endsWith(",sgd"), csv.get(5));

        // muon: median of 10 and 20 iterations = 15, 1.0 and 2.2 s = 1.6 s; adam: 20 and 20, 2.0 and 3.0 s
        assertTrue(
                table.contains("muon reaches 0.75 in 0.64x the time of adam (1.6 s vs 2.5 s; 0.75x the "
                        + "iterations, 15 vs 20) (medians over 2 seeds)"),
                table);
        // per seed: muon 1.0 s / 2.0 s and 2.2 s / 3.0 s, 10 / 20 and 20 / 20 iterations
        assertTrue(
                table.lines()
                        .anyMatch(l -> l.startsWith("| muon ")
                                && l.replaceAll(" +", " ").endsWith("| 0.50/0.62/0.73 | 0.50/0.75/1.00 |")),
                table);
        assertEquals("0.50/1.00/inf", Comparison.minMedianMax(new double[] {0.5, 1.0, Double.POSITIVE_INFINITY}));
        assertTrue(table.contains("sgd diverged at every learning rate"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("| sgd ") && l.contains("| diverged |")), table);

        String html = Files.readString(tmp.resolve("report.html"));
        assertTrue(html.contains("x &lt; y &amp; &quot;z&quot;"), "escaped data line");
        assertFalse(html.contains("x < y"), "unescaped text in the page");
        assertTrue(html.contains("<tr class=\"failed\"><td>sgd</td>"), "diverged run marked");
        assertTrue(html.contains("<a href=\"muon/lr0.02-seed2/curves.png\">"), "links to run files");
        assertTrue(html.contains("sgd: every learning rate diverged"), "note on the diverged optimizer");
        assertEquals(3, html.split("src=\"data:image/png;base64,", -1).length - 1);
        assertEquals("a%20b/%3Cc%3E.png", HtmlReport.href("a b/<c>.png"));
        // commons-text's HTML 4 escaping; an apostrophe is safe in content and in double-quoted attributes
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;'", HtmlReport.esc("<a href=\"x\">&'"));
    }

    private static RunResult.EvalPoint point(long iteration, double seconds, double accuracy) {
        return Synthetic.point(iteration, seconds, accuracy);
    }
}
