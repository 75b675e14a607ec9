package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.testmodels.TextCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/run transformer} and {@code compare transformer}: options, and tiny real runs on the small sample
 * text shipped with src-test-models through {@code --text-file} (the fortunes package is not needed).
 */
class TransformerCliTest {

    @Test
    void parsesTransformerOptions() {
        Options o = Options.parse(
                "transformer",
                "--optimizer",
                "muon",
                "--target-bpc",
                "2.5",
                "--seq-len",
                "32",
                "--text-file",
                "/tmp/t.txt",
                "--out",
                "d");
        assertEquals("transformer", o.model);
        assertEquals(2.5, o.target);
        assertEquals(32, o.seqLen);
        assertEquals(32, o.batch); // the transformer's default batch
        assertEquals(Path.of("/tmp/t.txt"), o.textFile);
        assertEquals(128, Options.parse("cnn", "--out", "d").batch);
        for (String[] bad : List.of(
                new String[] {"transformer", "--target-accuracy", "0.5", "--out", "d"},
                new String[] {"transformer", "--train-limit", "100", "--out", "d"},
                new String[] {"cnn", "--target-bpc", "2", "--out", "d"},
                new String[] {"cnn", "--seq-len", "8", "--out", "d"},
                new String[] {"transformer", "--target-bpc", "0", "--out", "d"},
                new String[] {"compare", "transformer", "--stop-at-target", "--out", "d"})) {
            assertThrows(CliException.class, () -> Options.parse(bad), String.join(" ", bad));
        }
    }

    @Test
    void singleRunWritesBitsPerCharacter(@TempDir Path tmp) throws Exception {
        Path text = sample(tmp);
        Path out = tmp.resolve("run");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "transformer",
                    "--optimizer",
                    "adam",
                    "--text-file",
                    text.toString(),
                    "--seq-len",
                    "16",
                    "--batch",
                    "8",
                    "--max-steps",
                    "4",
                    "--eval-every",
                    "2",
                    "--target-bpc",
                    "9",
                    "--out",
                    out.toString()
                },
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                quiet());
        assertEquals(0, code);
        String json = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{"), "stdout must be the summary JSON only:\n" + json);
        assertEquals(json, Files.readString(out.resolve("summary.json")));
        for (String key : List.of(
                "\"model\": \"transformer\"",
                "\"iterations\": 4,",
                "\"validation_bpc\": ",
                "\"validation_loss\": ",
                "\"target_bpc\": 9.0",
                "\"iterations_to_target\": 2",
                "\"optimizer_state_bytes\": ")) {
            assertTrue(json.contains(key), key + " missing in\n" + json);
        }
        double bpc = number(json, "validation_bpc");
        double nats = number(json, "validation_loss");
        assertEquals(nats / Math.log(2), bpc, 1e-5);
        // a barely trained model predicts about uniformly: close to log2(vocabulary) bits per character
        double uniform = Math.log(TextCorpus.of(Files.readString(text), 0.1).vocabSize()) / Math.log(2);
        NoisyRuns.record("bpc/uniform after 4 steps", bpc / uniform);
        assertTrue(bpc > 0.7 * uniform && bpc < 1.3 * uniform, bpc + " vs uniform " + uniform);
        List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
        assertEquals("iteration,seconds,train_loss,validation_bpc", curves.get(0));
        assertEquals(5, curves.size());
        double trainLoss = Double.parseDouble(curves.get(1).split(",")[2]);
        // the first minibatch's loss, in nats per character, is close to ln(vocabulary) (not seqLen times it)
        NoisyRuns.record("first train loss - ln(vocab)", trainLoss - uniform * Math.log(2));
        assertTrue(Math.abs(trainLoss - uniform * Math.log(2)) < 1.0, "train loss per character: " + trainLoss);
        assertEquals(
                "iteration,epoch,seconds,validation_bpc,validation_loss",
                Files.readAllLines(out.resolve("evals.csv")).get(0));
        assertTrue(Files.size(out.resolve("curves.png")) > 1000);
    }

    @Test
    void compareTransformerWritesTheReport(@TempDir Path tmp) throws Exception {
        Path text = sample(tmp);
        Path out = tmp.resolve("cmp");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "compare",
                    "transformer",
                    "--optimizers",
                    "muon,adamw",
                    "--text-file",
                    text.toString(),
                    "--seq-len",
                    "16",
                    "--batch",
                    "8",
                    "--max-steps",
                    "3",
                    "--eval-every",
                    "0",
                    "--out",
                    out.toString()
                },
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                quiet());
        assertEquals(0, code);
        for (String f : List.of(
                "report.html",
                "comparison.md",
                "comparison.csv",
                "comparison.png",
                "sweep.csv",
                "muon/summary.json",
                "adamw/curves.csv")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<th>validation bpc</th>"), "bpc column in the report");
        assertTrue(Files.readString(out.resolve("adamw/summary.json")).contains("\"weight_decay\": 0.01"));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("| adamw "));
    }

    private static Path sample(Path tmp) throws Exception {
        Path text = tmp.resolve("sample.txt");
        Files.writeString(text, TextCorpus.sampleText());
        return text;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static double number(String json, String key) {
        return Double.parseDouble(json.replaceAll("(?s).*\"" + key + "\": ([-0-9.eE]+).*", "$1"));
    }
}
