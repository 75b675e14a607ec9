package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.testmodels.FashionMnist;
import org.dl4jopt.testmodels.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A real (tiny) {@code compare cnn} through {@link Main#run}: a learning-rate sweep, two seeds, a step limit and a
 * target, on synthetic images written as Fashion-MNIST IDX files (so the data set package is not needed).
 */
class CompareCliTest {

    @Test
    void compareWithSweepAndSeedsWritesEveryFile(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        writeIdx(data, SyntheticData.images(256, 1), FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
        writeIdx(data, SyntheticData.images(64, 2), FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS);
        Path out = tmp.resolve("cmp");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "compare",
                    "cnn",
                    "--optimizers",
                    "adam,sgd",
                    "--lr-sweep",
                    "0.5,1",
                    "--seeds",
                    "3,4",
                    "--data-dir",
                    data.toString(),
                    "--batch",
                    "32",
                    "--max-steps",
                    "4",
                    "--eval-every",
                    "2",
                    "--target-accuracy",
                    "0.05",
                    "--stop-at-target",
                    "--out",
                    out.toString()
                },
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertEquals(0, code, stderr.toString(StandardCharsets.UTF_8));

        // every run: 2 rates with seed 3, the chosen rate with seed 4
        for (String run :
                List.of("adam/lr0.0005-seed3", "adam/lr0.001-seed3", "sgd/lr0.025-seed3", "sgd/lr0.05-seed3")) {
            for (String f : List.of("summary.json", "curves.csv", "evals.csv", "curves.png")) {
                assertTrue(Files.isRegularFile(out.resolve(run).resolve(f)), run + "/" + f);
            }
        }
        List<String> sweep = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(7, sweep.size(), String.join("\n", sweep)); // header, 3 adam, 3 sgd
        assertEquals(2, sweep.stream().filter(l -> l.contains(",repeat,")).count());
        assertTrue(sweep.stream().filter(l -> l.contains(",repeat,")).allMatch(l -> l.split(",")[2].equals("4")));
        // a target of 5% is reached at the first evaluation (iteration 2) and --stop-at-target ends the run there
        String json = Files.readString(out.resolve("adam/lr0.001-seed3/summary.json"));
        assertTrue(json.contains("\"iterations\": 2,"), json);
        assertTrue(json.contains("\"iterations_to_target\": 2"), json);
        NoisyRuns.record(
                "test accuracy at iteration 2",
                Double.parseDouble(json.replaceAll("(?s).*\"test_accuracy\": ([0-9.Ee-]+).*", "$1")));
        assertTrue(json.contains("\"optimizer_state_bytes\": "), json);
        long stateBytes = Long.parseLong(json.replaceAll("(?s).*\"optimizer_state_bytes\": (\\d+).*", "$1"));
        long params = 206_922; // the reference CNN: Adam keeps two moments of 4 bytes per parameter
        assertEquals(2 * 4 * params, stateBytes, json);
        for (String f : List.of("report.html", "comparison.md", "comparison.csv", "comparison.png")) {
            assertTrue(Files.size(out.resolve(f)) > 100, f);
        }
        String table = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("| adam ") && table.contains("| sgd "), table);
    }

    /** Writes {@code ds} (images in [0, 1], one-hot labels) as gzipped IDX files as Fashion-MNIST ships them. */
    static void writeIdx(Path dir, DataSet ds, String imagesFile, String labelsFile) throws IOException {
        Files.createDirectories(dir);
        INDArray x = ds.getFeatures();
        INDArray y = ds.getLabels();
        int n = (int) x.size(0);
        try (DataOutputStream out = idx(dir.resolve(imagesFile))) {
            out.writeInt(2051);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            float[] px = x.reshape(n, 28 * 28).data().asFloat();
            for (float v : px) {
                out.writeByte(Math.round(Math.max(0, Math.min(1, v)) * 255));
            }
        }
        try (DataOutputStream out = idx(dir.resolve(labelsFile))) {
            out.writeInt(2049);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(y.getRow(i).argMax().getInt(0));
            }
        }
    }

    private static DataOutputStream idx(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw));
    }
}
