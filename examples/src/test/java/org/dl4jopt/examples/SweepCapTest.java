package org.dl4jopt.examples;

import static org.dl4jopt.examples.Synthetic.point;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweep candidates train largest rate first; with {@code --stop-at-target}, a candidate trains at most as many
 * iterations as a larger rate of the same optimizer needed to reach the target, and the chosen rate is the one an
 * uncapped sweep would choose.
 */
class SweepCapTest {

    /** Iterations each rate needs to reach accuracy 0.8 (evaluated every 10), as if trained without a limit. */
    private static final Map<Double, Integer> REACH = Map.of(2e-3, 40, 1e-3, 20, 5e-4, 60);

    private static final class ReachTask extends Synthetic.FakeTask {
        @Override
        public RunResult train(RunSpec spec, PrintStream progress) {
            double lr = spec.optimizer().learningRate();
            int reach = REACH.get(lr);
            trained.add(lr + "/" + spec.seed() + " max " + spec.maxSteps());
            int end = spec.maxSteps() > 0 ? spec.maxSteps() : 100;
            if (spec.stopAtTarget()) end = Math.min(end, reach);
            List<RunResult.EvalPoint> evals = new ArrayList<>();
            for (int it = 10; it <= end; it += 10) {
                evals.add(point(it, it / 10.0, it == reach ? 0.8 : 0.8 * it / reach));
            }
            return Synthetic.run("adam", lr, spec.seed(), evals, spec.target());
        }
    }

    private static List<String> compare(Path out, boolean stopAtTarget) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "compare",
                "cnn",
                "--optimizers",
                "adam",
                "--lr-sweep",
                "0.5,1,2",
                "--seeds",
                "1,2",
                "--target-accuracy",
                "0.8",
                "--out",
                out.toString()));
        if (stopAtTarget) args.add("--stop-at-target");
        Options o = Options.parse(args.toArray(new String[0]));
        ReachTask task = new ReachTask();
        Compare.run(o, task, Main.spec(o), new PrintStream(PrintStream.nullOutputStream()));
        return task.trained;
    }

    @Test
    void laterCandidatesStopWhereAnEarlierOneReachedTheTarget(@TempDir Path tmp) throws Exception {
        // 2e-3 reaches at 40: 1e-3 may take 40 and reaches at 20; 5e-4 may take 20 and does not reach (60);
        // the repeat of the chosen 1e-3 with seed 2 is not capped
        assertEquals(
                List.of("0.002/1 max 0", "0.001/1 max 40", "5.0E-4/1 max 20", "0.001/2 max 0"),
                compare(tmp.resolve("capped"), true));
        // without --stop-at-target nothing is capped, and the choice (the repeat's rate) is the same
        assertEquals(
                List.of("0.002/1 max 0", "0.001/1 max 0", "5.0E-4/1 max 0", "0.001/2 max 0"),
                compare(tmp.resolve("full"), false));
    }
}
