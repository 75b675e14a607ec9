package org.dl4jopt.examples;

import org.dl4jopt.testmodels.FashionMnist;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Entry point of {@code examples/run}: {@code cnn ...} trains once, {@code compare cnn ...} trains once per optimizer
 * and compares. See {@link Options#USAGE}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (CliException e) {
            System.err.println("Error: " + e.getMessage());
            if (e.showUsage()) {
                System.err.println();
                System.err.println(Options.USAGE);
            }
            code = e.exitCode();
        } catch (Exception e) {
            System.err.println();
            System.err.println("Error: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.err.flush();
        // ND4J leaves non-daemon threads behind; exit explicitly
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args);
        switch (o.command) {
            case HELP -> {
                out.println(Options.USAGE);
                return 0;
            }
            case LIST -> {
                out.println(optimizerList());
                return 0;
            }
            default -> {
            }
        }

        FashionMnist data = CnnRun.loadData(o.dataDir, o.trainLimit, o.testLimit);
        err.printf(Locale.ROOT, "Fashion-MNIST: %d train / %d test examples; %d epoch(s), batch %d, seed %d%n",
                data.trainSize(), data.testSize(), o.epochs, o.batch, o.seed);
        if (o.targetAccuracy != null) {
            err.printf(Locale.ROOT, "Target test accuracy %s: timed at the evaluations, %s%n",
                    Reports.shortNum(o.targetAccuracy), o.evalEvery > 0
                            ? "every " + o.evalEvery + " iterations and at the end of each epoch (--eval-every)"
                            : "only at the end of each epoch (--eval-every 0; set e.g. --eval-every 20 for a finer "
                            + "time to target)");
        }

        if (o.command == Options.Command.RUN) {
            Options.OptimizerChoice choice = o.optimizers.get(0);
            RunResult r = CnnRun.runAndWrite(spec(o, choice), data, o.out, err);
            out.print(Json.object(Reports.summary(r)));
            err.println("Wrote " + o.out.resolve("summary.json") + ", curves.csv, evals.csv, curves.png");
        } else {
            String table = Compare.run(o, data, err);
            out.println();
            out.print(table);
            err.println("Wrote " + o.out.resolve("comparison.md") + ", comparison.csv, comparison.png");
        }
        return 0;
    }

    static CnnRun.Spec spec(Options o, Options.OptimizerChoice choice) {
        return new CnnRun.Spec(o.model, choice, o.epochs, o.batch, o.seed, o.weightDecay, o.evalEvery,
                o.targetAccuracy, DataType.FLOAT);
    }

    static String optimizerList() {
        StringBuilder sb = new StringBuilder("Optimizers (name, default lr, description):\n");
        for (OptimizerRegistry.Entry e : OptimizerRegistry.entries()) {
            sb.append(String.format(Locale.ROOT, "  %-12s %-8s %s%n", e.name(),
                    Reports.shortNum(e.defaultLearningRate()), e.description()));
        }
        return sb.toString();
    }
}
