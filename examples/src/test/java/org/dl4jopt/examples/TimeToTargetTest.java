package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --target-accuracy parsing, time to target on synthetic evaluation points, and the dropmuon registry entry. */
class TimeToTargetTest {

    @Test
    void parsesTargetAccuracy() {
        assertNull(Options.parse("cnn", "--out", "d").target);
        assertEquals(0.88, Options.parse("cnn", "--target-accuracy", "0.88", "--out", "d").target);
        Options c = Options.parse(
                "compare",
                "cnn",
                "--optimizers",
                "muon,dropmuon",
                "--target-accuracy=0.75",
                "--eval-every",
                "10",
                "--out",
                "d");
        assertEquals(0.75, c.target);
        assertEquals(10, c.evalEvery);
        assertEquals(1.0, Options.parse("cnn", "--target-accuracy", "1", "--out", "d").target);
        for (String bad : List.of("0", "-0.5", "1.2", "88", "high", "NaN")) {
            CliException e = assertThrows(
                    CliException.class, () -> Options.parse("cnn", "--target-accuracy", bad, "--out", "d"), bad);
            assertTrue(e.getMessage().contains("--target-accuracy"), e.getMessage());
        }
        assertTrue(Options.USAGE.contains("--target-accuracy=X"));
    }

    @Test
    void firstEvaluationAtOrAboveTarget() {
        List<RunResult.EvalPoint> evals = List.of(
                point(10, 1.0, 0.60),
                point(20, 2.1, 0.74),
                point(30, 3.0, 0.75), // 0.75 exactly counts
                point(40, 4.2, 0.71),
                point(50, 5.0, 0.80)); // a later dip is ignored
        assertEquals(
                30, RunResult.firstReaching(evals, Metric.TEST_ACCURACY, 0.75).iteration());
        assertEquals(
                3.0, RunResult.firstReaching(evals, Metric.TEST_ACCURACY, 0.75).seconds());
        assertEquals(
                10, RunResult.firstReaching(evals, Metric.TEST_ACCURACY, 0.5).iteration());
        assertEquals(
                50, RunResult.firstReaching(evals, Metric.TEST_ACCURACY, 0.78).iteration());
        assertNull(RunResult.firstReaching(evals, Metric.TEST_ACCURACY, 0.81)); // never reached
        assertNull(RunResult.firstReaching(evals, Metric.TEST_ACCURACY, null)); // no target
        assertNull(RunResult.firstReaching(List.of(), Metric.TEST_ACCURACY, 0.5));

        RunResult r = run("muon", evals, 0.75);
        assertEquals(3.0, r.secondsToTarget());
        assertEquals(30L, r.iterationsToTarget());
        assertEquals(0.80, r.bestMetric());
        RunResult miss = run("sgd", evals, 0.9);
        assertNull(miss.secondsToTarget());
        assertNull(miss.iterationsToTarget());
    }

    @Test
    void summaryAndComparisonReportTimeToTarget(@TempDir Path tmp) throws Exception {
        RunResult muon = run("muon", List.of(point(10, 2.0, 0.70), point(20, 4.0, 0.76), point(30, 6.0, 0.80)), 0.75);
        RunResult drop =
                run("dropmuon", List.of(point(10, 1.5, 0.72), point(20, 2.88, 0.77), point(30, 4.5, 0.79)), 0.75);
        RunResult sgd = run("sgd", List.of(point(10, 1.0, 0.50), point(20, 2.0, 0.60), point(30, 3.0, 0.65)), 0.75);

        Reports.writeRun(drop, tmp.resolve("dropmuon"));
        String json = Files.readString(tmp.resolve("dropmuon/summary.json"));
        assertTrue(json.contains("\"target_accuracy\": 0.75"), json);
        assertTrue(json.contains("\"seconds_to_target\": 2.88"), json);
        assertTrue(json.contains("\"iterations_to_target\": 20"), json);
        String missJson = Reports.json(Reports.summary(sgd));
        assertTrue(missJson.contains("\"target_accuracy\": 0.75"), missJson);
        assertTrue(missJson.contains("\"seconds_to_target\": null"), missJson);
        assertTrue(missJson.contains("\"iterations_to_target\": null"), missJson);
        assertEquals(
                Reports.summaryKeys(Metric.TEST_ACCURACY),
                new ArrayList<>(Reports.summary(sgd).keySet()));

        String out = Reports.writeComparison(
                List.of(Synthetic.single(muon), Synthetic.single(drop), Synthetic.single(sgd)), "muon", "data", tmp);
        String header = out.lines().findFirst().orElseThrow();
        assertTrue(
                header.contains("| iterations to target | seconds to target | time vs muon | iterations vs muon |"),
                header);
        assertTrue(
                out.contains("dropmuon reaches 0.75 in 0.72x the time of muon (2.9 s vs 4.0 s; 1.00x the "
                        + "iterations, 20 vs 20)"),
                out);
        assertTrue(out.contains("sgd does not reach 0.75 (best test accuracy 0.6500)"), out);
        List<String> dropRow = java.util.Arrays.stream(out.lines()
                        .filter(l -> l.startsWith("| dropmuon"))
                        .findFirst()
                        .orElseThrow()
                        .split("\\|"))
                .map(String::trim)
                .toList();
        assertEquals(List.of("20", "2.9", "0.72", "1.00"), dropRow.subList(dropRow.size() - 4, dropRow.size()));
        assertEquals("4096", dropRow.get(dropRow.size() - 5)); // optimizer state bytes
        assertTrue(out.lines()
                .filter(l -> l.startsWith("| sgd"))
                .findFirst()
                .orElseThrow()
                .contains("not reached"));

        List<String> csv = Files.readAllLines(tmp.resolve("comparison.csv"));
        assertTrue(
                csv.get(0)
                        .endsWith(",seeds,target_accuracy,iterations_to_target,seconds_to_target,seeds_reached,"
                                + "seconds_to_target_min,seconds_to_target_max,time_ratio_to_baseline,iterations_ratio_to_baseline,"
                                + "baseline"),
                csv.get(0));
        assertTrue(csv.get(1).endsWith(",0.75,20,4.000,1,4.000,4.000,1.00,1.00,muon"), csv.get(1));
        assertTrue(csv.get(2).endsWith(",0.75,20,2.880,1,2.880,2.880,0.72,1.00,muon"), csv.get(2));
        assertTrue(csv.get(3).endsWith(",0.75,,,0,,,,,muon"), csv.get(3));
        String md = Files.readString(tmp.resolve("comparison.md"));
        assertTrue(md.contains("- dropmuon reaches 0.75 in 0.72x the time of muon"), md);
        assertTrue(md.contains("--eval-every"), md);

        // the first optimizer misses the target: no ratios, the others' own times instead
        List<String> lines =
                new Comparison(List.of(Synthetic.single(sgd), Synthetic.single(drop)), "sgd").targetLines();
        assertEquals(
                List.of(
                        "sgd does not reach 0.75 (best test accuracy 0.6500): no time ratios",
                        "dropmuon reaches 0.75 in 2.9 s (20 iterations)"),
                lines);
    }

    @Test
    void dropMuonIsRegisteredWithItsBackpropListener() {
        OptimizerRegistry.Entry e = OptimizerRegistry.get("dropmuon");
        assertEquals(0.02, e.defaultLearningRate());
        assertSame(OptimizerRegistry.WeightDecayMode.IN_UPDATER, e.weightDecayMode());
        assertInstanceOf(DropMuon.class, e.create(null, 1e-4, 7, OptimizerRegistry.Extras.DEFAULTS));
        assertEquals(1, e.trainingListeners().size());
        assertInstanceOf(DropMuonBackprop.class, e.trainingListeners().get(0));
        // fresh listener per network (it holds per-network state)
        assertTrue(e.trainingListeners().get(0) != e.trainingListeners().get(0));
        assertTrue(OptimizerRegistry.get("muon").trainingListeners().isEmpty());
        assertTrue(OptimizerRegistry.get("adam").trainingListeners().isEmpty());
        assertEquals(
                List.of(0.02),
                Options.parse("cnn", "--optimizer", "dropmuon", "--out", "d")
                        .optimizers
                        .get(0)
                        .learningRates());
    }

    private static RunResult.EvalPoint point(long iteration, double seconds, double accuracy) {
        return Synthetic.point(iteration, seconds, accuracy);
    }

    private static RunResult run(String name, List<RunResult.EvalPoint> evals, Double target) {
        return Synthetic.run(name, evals, target);
    }
}
