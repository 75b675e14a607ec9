package org.dl4jopt.examples;

import org.dl4jopt.testmodels.FashionMnist;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains the same model on the same data, seed and epochs once per optimizer, writes each run to
 * {@code DIR/<optimizer>/} and a side-by-side comparison to {@code DIR/comparison.{csv,md,png}}.
 */
public final class Compare {

    private Compare() {
    }

    /** Runs every optimizer of {@code o}; returns the Markdown comparison table (also written to comparison.md). */
    public static String run(Options o, FashionMnist data, PrintStream progress) throws IOException {
        List<RunResult> results = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Options.OptimizerChoice choice : o.optimizers) {
            Path dir = o.out.resolve(choice.label());
            RunResult r = CnnRun.runAndWrite(Main.spec(o, choice), data, dir, progress);
            progress.println("[" + choice.label() + "] wrote " + dir);
            results.add(r);
            labels.add(choice.label());
        }
        return Reports.writeComparison(results, labels, o.out);
    }
}
