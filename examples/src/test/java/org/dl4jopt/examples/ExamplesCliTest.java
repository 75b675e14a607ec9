package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument parsing, report files and charts on synthetic curves: no training, no data set, no ND4J backend. */
class ExamplesCliTest {

    @Test
    void parsesSingleRun() {
        Options o = Options.parse(
                "cnn",
                "--optimizer",
                "adam",
                "--epochs",
                "3",
                "--batch=64",
                "--train-limit",
                "2000",
                "--test-limit",
                "500",
                "--seed",
                "7",
                "--out",
                "/tmp/x");
        assertEquals(Options.Command.RUN, o.command);
        assertEquals("cnn", o.model);
        assertEquals(1, o.optimizers.size());
        assertEquals("adam", o.optimizers.get(0).label());
        assertEquals(List.of(1e-3), o.optimizers.get(0).learningRates());
        assertEquals(3, o.epochs);
        assertEquals(64, o.batch);
        assertEquals(2000, o.trainLimit);
        assertEquals(500, o.testLimit);
        assertEquals(7, o.seed());
        assertNull(o.weightDecay);
        assertEquals(Path.of("/tmp/x"), o.out);
    }

    @Test
    void parsesTheThreeLayerCnnLikeTheCnn() {
        Options run = Options.parse("cnn3", "--optimizer", "dropmuon", "--batch", "512", "--out", "d");
        assertEquals(Options.Command.RUN, run.command);
        assertEquals("cnn3", run.model);
        assertEquals(512, run.batch);
        Options cmp = Options.parse(
                "compare", "cnn3", "--optimizers", "muon,dropmuon", "--target-accuracy", "0.85", "--out", "d");
        assertEquals("cnn3", cmp.model);
        assertEquals(128, cmp.batch);
        assertEquals(0.85, cmp.target);
        assertThrows(CliException.class, () -> Options.parse("cnn3", "--target-bpc", "3", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("compare", "cnn4", "--out", "d"));
    }

    @Test
    void parsesCompareWithLearningRates() {
        Options o = Options.parse(
                "compare",
                "cnn",
                "--optimizers",
                "muon,adam:3e-4,sgd",
                "--lr",
                "0.01",
                "--epochs",
                "1",
                "--out",
                "/tmp/c");
        assertEquals(Options.Command.COMPARE, o.command);
        assertEquals(
                List.of("muon", "adam", "sgd"),
                o.optimizers.stream().map(Options.OptimizerPlan::label).toList());
        assertEquals(List.of(0.01), o.optimizers.get(0).learningRates()); // --lr applies to all ...
        assertEquals(List.of(3e-4), o.optimizers.get(1).learningRates()); // ... unless NAME:LR
        Options same = Options.parse("compare", "cnn", "--optimizers", "adam:1e-3,adam:3e-3", "--out", "/tmp/c");
        assertEquals(
                List.of("adam-lr0.001", "adam-lr0.003"),
                same.optimizers.stream().map(Options.OptimizerPlan::label).toList());
        assertEquals(
                List.of(0.02),
                Options.parse("compare", "cnn", "--out", "d").optimizers.get(0).learningRates());
    }

    @Test
    void reportsUsageErrors() {
        assertEquals(Options.Command.HELP, Options.parse().command);
        assertEquals(Options.Command.HELP, Options.parse("cnn", "--help").command);
        assertEquals(Options.Command.LIST, Options.parse("optimizers").command);
        CliException e =
                assertThrows(CliException.class, () -> Options.parse("cnn", "--optimizer", "nadam", "--out", "d"));
        assertTrue(e.getMessage().contains("Unknown optimizer 'nadam'"), e.getMessage());
        assertTrue(e.getMessage().contains("muon, adam, adamw, sgd"), e.getMessage());
        assertThrows(CliException.class, () -> Options.parse("cnn", "--epochs", "0", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("cnn", "--epochs", "two", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("cnn", "--lr", "-1", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("cnn", "--epochs", "1")); // no --out
        assertThrows(CliException.class, () -> Options.parse("cnn", "--bogus", "1", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("cnn", "--out")); // no value
        assertThrows(CliException.class, () -> Options.parse("rnn", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("compare", "--out", "d")); // no model
        assertThrows(CliException.class, () -> Options.parse("cnn", "--optimizers", "adam", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("compare", "cnn", "--optimizer", "adam", "--out", "d"));
        assertThrows(
                CliException.class, () -> Options.parse("compare", "cnn", "--optimizers", "adam,adam", "--out", "d"));
    }

    @Test
    void extrasReachTheOptimizersThatHaveThem() {
        Options o = Options.parse(
                "compare",
                "cnn",
                "--optimizers",
                "muon,lanton,adam",
                "--adam-lr",
                "1e-3",
                "--sign-lr",
                "2e-3",
                "--out",
                "d");
        OptimizerRegistry.Extras rates = o.extras();
        OptimizerRegistry.Entry muon = OptimizerRegistry.get("muon");
        OptimizerRegistry.Entry lanton = OptimizerRegistry.get("lanton");
        assertEquals(new OptimizerRegistry.Extras(1e-3, null, null), muon.applicable(rates));
        assertEquals(rates, lanton.applicable(rates));
        assertEquals(
                OptimizerRegistry.Extras.DEFAULTS, OptimizerRegistry.get("adam").applicable(rates));
        assertEquals(
                Muon.builder().learningRate(0.02).adamLearningRate(1e-3).build(),
                muon.create(null, null, 1, muon.applicable(rates)));
        assertEquals(
                Lanton.builder().adamLearningRate(1e-3).signLearningRate(2e-3).build(),
                lanton.create(null, null, 1, rates));
        assertEquals(Muon.builder().build(), muon.create(null, null, 1, OptimizerRegistry.Extras.DEFAULTS));

        assertEquals(
                Fismo.builder().graft(false).damping(0.05).learningRate(0.01).build(),
                OptimizerRegistry.get("fismo-paper")
                        .create(
                                null,
                                null,
                                1,
                                Options.parse("cnn", "--optimizer", "fismo-paper", "--damping", "0.05", "--out", "d")
                                        .extras()));
        CliException e = assertThrows(
                CliException.class,
                () -> Options.parse("compare", "cnn", "--optimizers", "muon,adam", "--sign-lr", "1e-3", "--out", "d"));
        assertTrue(e.getMessage().contains("--sign-lr applies only to lanton"), e.getMessage());
        assertThrows(
                CliException.class,
                () -> Options.parse("cnn", "--optimizer", "sgd", "--adam-lr", "1e-3", "--out", "d"));
        assertThrows(CliException.class, () -> Options.parse("cnn", "--adam-lr", "0", "--out", "d"));
    }

    @Test
    void registryKnowsEveryOptimizer() {
        assertEquals(
                List.of(
                        "muon",
                        "adam",
                        "adamw",
                        "sgd",
                        "dropmuon",
                        "fismo",
                        "fismo-paper",
                        "fismo-graft",
                        "lanton",
                        "dmuon",
                        "onebit-adam",
                        "am-sgd",
                        "am-adamw"),
                OptimizerRegistry.names());
        assertEquals(0.05, OptimizerRegistry.get("SGD").defaultLearningRate());
        OptimizerRegistry.Entry dmuon = OptimizerRegistry.get("dmuon");
        assertEquals(Lanton.DEFAULT_LEARNING_RATE, dmuon.defaultLearningRate());
        assertEquals( // LANTON's default base, at LANTON's rate and fallback rate
                Muon.builder()
                        .shapeScale(ShapeScale.MOONLIGHT)
                        .learningRate(Lanton.DEFAULT_LEARNING_RATE)
                        .adamLearningRate(new Lanton().fallback().learningRate())
                        .build(),
                dmuon.create(null, null, 1, OptimizerRegistry.Extras.DEFAULTS));
        assertTrue(Main.optimizerList().contains("lanton"));
    }

    @Test
    void writesRunFilesAndComparison(@TempDir Path tmp) throws Exception {
        RunResult a = Synthetic.curve("adam", 1e-3, 0.9, 0.004, null);
        RunResult m = Synthetic.curve("muon", 0.02, 0.7, 0.005, null);

        Path runDir = tmp.resolve("adam");
        Reports.writeRun(a, runDir);
        String json = Files.readString(runDir.resolve("summary.json"));
        for (String key : List.of(
                "model",
                "optimizer",
                "epochs",
                "iterations",
                "wall_seconds",
                "final_train_loss",
                "test_accuracy",
                "test_loss",
                "optimizer_state_bytes",
                "median_seconds_per_iteration")) {
            assertTrue(json.contains("\"" + key + "\": "), key + " missing in " + json);
        }
        assertTrue(json.contains("\"optimizer\": \"adam\""), json);
        assertTrue(json.contains("\"iterations\": 150"), json);
        assertTrue(json.contains("\"optimizer_state_bytes\": 1000"), json);
        assertTrue(json.contains("\"status\": \"ok\""), json);
        Map<String, Object> read = Reports.readSummary(runDir.resolve("summary.json")); // Jackson reads it back
        assertEquals(Reports.summaryKeys(Metric.TEST_ACCURACY), List.copyOf(read.keySet()));
        assertEquals(150, read.get("iterations"));
        assertEquals("adam", read.get("optimizer"));
        List<String> curves = Files.readAllLines(runDir.resolve("curves.csv"));
        assertEquals("iteration,seconds,train_loss,test_accuracy", curves.get(0));
        assertEquals(151, curves.size());
        assertTrue(curves.get(1).endsWith(","), "no evaluation at iteration 1: " + curves.get(1));
        assertTrue(curves.get(50).startsWith("50,") && !curves.get(50).endsWith(","), curves.get(50));
        assertEquals(4, curves.get(50).split(",", -1).length);
        assertEquals(
                "iteration,epoch,seconds,test_accuracy,test_loss",
                Files.readAllLines(runDir.resolve("evals.csv")).get(0));
        assertPng(runDir.resolve("curves.png"));

        String table = Reports.writeComparison(
                List.of(Synthetic.single(m), Synthetic.single(a)),
                "adam",
                "Fashion-MNIST: 9600 train / 500 test examples",
                tmp);
        List<String> csv = Files.readAllLines(tmp.resolve("comparison.csv"));
        assertEquals(
                "optimizer,lr,lr_candidates,iterations,wall_seconds,seconds_per_iteration,"
                        + "median_seconds_per_iteration,final_train_loss,test_accuracy,test_loss,optimizer_state_bytes,seeds",
                csv.get(0)); // no target: no target columns
        assertFalse(table.contains("to target"), table);
        assertTrue(json.contains("\"target_accuracy\": null"), json);
        assertEquals(3, csv.size());
        assertTrue(csv.get(1).startsWith("muon,0.02,0.02,150,0.750,0.00500,0.00500,"), csv.get(1));
        assertTrue(csv.get(1).endsWith(",1000,1"), csv.get(1));
        assertTrue(table.startsWith("| optimizer |"), table);
        assertTrue(table.contains("| muon "), table);
        assertTrue(Files.readString(tmp.resolve("comparison.md")).contains(table));
        assertPng(tmp.resolve("comparison.png"));
        assertTrue(Files.readString(tmp.resolve("report.html")).startsWith("<!DOCTYPE html>"));
        assertEquals(
                Comparison.sweepHeader(Metric.TEST_ACCURACY),
                Files.readAllLines(tmp.resolve("sweep.csv")).get(0));
    }

    @Test
    void chartsHandleDegenerateSeries(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("flat.png");
        Charts.writePng(
                png,
                null,
                List.of(new Charts.Panel(
                        "flat",
                        "x",
                        "y",
                        List.of(
                                new Charts.Series(
                                        "one point",
                                        new double[] {1},
                                        new double[] {0.5},
                                        Charts.color(0),
                                        Charts.Style.LINE_MARKERS),
                                new Charts.Series(
                                        "nan",
                                        new double[] {1, 2},
                                        new double[] {Double.NaN, Double.NaN},
                                        Charts.color(1),
                                        Charts.Style.LINE)))),
                300,
                200);
        assertPng(png);
        assertEquals("0.0003", Reports.shortNum(3e-4));
        assertEquals("1e-5", Reports.shortNum(1e-5));
        assertEquals("0.02", Reports.shortNum(0.02));
    }

    private static void assertPng(Path png) throws Exception {
        assertTrue(Files.size(png) > 1000, png + " is too small");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable image");
        assertFalse(img.getWidth() < 100);
    }
}
