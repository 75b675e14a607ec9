package org.dl4jopt.examples;

import static org.dl4jopt.examples.Synthetic.point;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare --resume}: the run file round trip and the reuse of finished runs. No training, no backend. */
class ResumeTest {

    /** A task that "trains" by returning a synthetic run and counts how often it was asked to. */
    private static final class CountingTask extends Synthetic.FakeTask {
        @Override
        public RunResult train(RunSpec spec, PrintStream progress) {
            Options.OptimizerChoice c = spec.optimizer();
            trained.add(c.label() + "@" + c.learningRate() + "/" + spec.seed());
            // a rate-dependent result, so that the sweep's choice depends on the runs actually read back
            double acc = 0.7 + c.learningRate();
            return Synthetic.run(
                    c.label(),
                    c.learningRate(),
                    spec.seed(),
                    List.of(point(10, 1.0 + spec.seed(), acc - 0.1), point(20, 2.0 + spec.seed(), acc)),
                    spec.target());
        }
    }

    @Test
    void runFileRoundTripIsExactIncludingNonFiniteLosses(@TempDir Path tmp) throws Exception {
        RunResult diverged = Synthetic.diverged("muon", 0.04, 0.8);
        Reports.writeRunFile(diverged, "key", tmp);
        Reports.StoredRun back = Reports.readRunFile(tmp);
        assertEquals("key", back.settingsKey());
        RunResult r = back.result();
        assertEquals(diverged.settings(), r.settings());
        assertArrayEquals(diverged.iterationSeconds(), r.iterationSeconds(), 0.0);
        assertArrayEquals(diverged.iterationLoss(), r.iterationLoss(), 0.0); // NaN equals NaN here
        assertEquals(diverged.failure(), r.failure());
        RunResult ok = Synthetic.run("adam", 1e-3, 3, List.of(point(10, 1.0 / 3, 0.1 + 0.2)), 0.3);
        Reports.writeRunFile(ok, "k2", tmp);
        RunResult okBack = Reports.readRunFile(tmp).result();
        assertEquals(ok.evals(), okBack.evals());
        assertEquals(ok.updater(), okBack.updater());
        assertEquals(ok.optimizerStateBytes(), okBack.optimizerStateBytes());
    }

    @Test
    void resumeReusesFinishedRunsAndRefusesOtherSettings(@TempDir Path tmp) throws Exception {
        String[] args = {
            "compare",
            "cnn",
            "--optimizers",
            "adam,sgd",
            "--lr-sweep",
            "0.5,1",
            "--seeds",
            "1,2",
            "--target-accuracy",
            "0.75",
            "--out",
            tmp.toString()
        };
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        Options first = Options.parse(args);
        CountingTask task = new CountingTask();
        String table = Compare.run(first, task, Main.spec(first), quiet);
        assertEquals(6, task.trained.size(), task.trained.toString()); // 2 rates x 2 optimizers + 2 repeats

        // as if the first comparison had stopped before sgd's chosen rate (0.05 reaches the target, 0.025 not)
        Files.delete(tmp.resolve("sgd/lr0.05-seed1/" + Reports.RUN_FILE));
        Files.delete(tmp.resolve("sgd/lr0.05-seed2/" + Reports.RUN_FILE));
        String[] resumed = new String[args.length + 1];
        System.arraycopy(args, 0, resumed, 0, args.length);
        resumed[args.length] = "--resume";
        Options again = Options.parse(resumed);
        CountingTask second = new CountingTask();
        assertEquals(table, Compare.run(again, second, Main.spec(again), quiet));
        assertEquals(List.of("sgd@0.05/1", "sgd@0.05/2"), second.trained);

        // the same directory with another setting (seed list): refused, not mixed
        String[] other = resumed.clone();
        other[7] = "1,3";
        Options changed = Options.parse(other);
        Files.delete(tmp.resolve("adam/lr0.001-seed1/" + Reports.RUN_FILE)); // 1e-3 is adam's 1x: chosen
        CountingTask third = new CountingTask();
        Compare.run(changed, third, Main.spec(changed), quiet); // seed 3 is new, seed 1 runs are the same
        assertEquals(List.of("adam@0.001/1", "adam@0.001/3", "sgd@0.05/3"), third.trained);
        String[] batch = new String[resumed.length + 2];
        System.arraycopy(resumed, 0, batch, 0, resumed.length);
        batch[resumed.length] = "--batch";
        batch[resumed.length + 1] = "64";
        Options otherBatch = Options.parse(batch);
        CliException e = assertThrows(
                CliException.class, () -> Compare.run(otherBatch, new CountingTask(), Main.spec(otherBatch), quiet));
        assertTrue(e.getMessage().contains("holds a run of other settings"), e.getMessage());
        assertThrows(CliException.class, () -> Options.parse("cnn", "--resume", "--out", "d"));
    }
}
