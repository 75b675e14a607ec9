package org.dl4jopt.examples;

import org.dl4jopt.testmodels.FashionMnist;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintStream;
import java.util.Locale;
import java.util.stream.Collectors;

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
        // ND4J's SameDiff prints "Added differentiated op ..." with System.out.println while building the
        // transformer's gradients: keep stdout for our own output (the JSON summary, the table)
        PrintStream systemOut = System.out;
        System.setOut(err);
        try {
            return runCommand(args, out, err);
        } finally {
            System.setOut(systemOut);
        }
    }

    private static int runCommand(String[] args, PrintStream out, PrintStream err) throws Exception {
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

        Task task = task(o);
        err.printf(Locale.ROOT, "%s; %d epoch(s)%s, batch %d, seed%s %s%n", task.describe(), o.epochs,
                o.maxSteps > 0 ? " (at most " + o.maxSteps + " iterations)" : "", o.batch,
                o.seeds.size() > 1 ? "s" : "", o.seeds.stream().map(String::valueOf).collect(Collectors.joining(",")));
        if (o.target != null) {
            Metric m = task.metric();
            err.printf(Locale.ROOT, "Target %s %s %s: timed at the evaluations, %s%n", m.label(),
                    m.higherIsBetter() ? ">=" : "<=", Reports.shortNum(o.target), o.evalEvery > 0
                            ? "every " + o.evalEvery + " iterations and at the end of each epoch (--eval-every)"
                            : "only at the end of each epoch (--eval-every 0; set e.g. --eval-every 20 for a finer "
                            + "time to target)");
        }

        RunSpec base = spec(o);
        if (o.command == Options.Command.RUN) {
            RunSpec spec = base.with(o.optimizers.get(0).choice(0), o.seed());
            RunResult r = task.train(spec, err);
            Reports.writeRun(r, o.out);
            out.print(Json.object(Reports.summary(r)));
            err.println("Wrote " + o.out.resolve("summary.json") + ", curves.csv, evals.csv, curves.png");
            if (r.failed()) {
                throw new CliException(r.optimizer() + ": training " + r.failure()
                        + "; try a smaller learning rate (--lr)", CliException.DIVERGED, false);
            }
        } else {
            String table = Compare.run(o, task, base, err);
            out.println();
            out.print(table);
            err.println("Wrote " + o.out.resolve("report.html") + ", comparison.md, comparison.csv, "
                    + "comparison.png, sweep.csv");
        }
        return 0;
    }

    /** The model of the command line with its data loaded. */
    static Task task(Options o) {
        if (o.model.equals("transformer")) {
            return TransformerRun.load(o.textFile, o.dataDir, o.seqLen, o.testLimit);
        }
        FashionMnist data = CnnRun.loadData(o.dataDir, o.trainLimit, o.testLimit);
        return new CnnRun(data);
    }

    /** The run settings of the command line; optimizer and seed are set per run ({@link RunSpec#with}). */
    static RunSpec spec(Options o) {
        return new RunSpec(o.model, null, o.epochs, o.batch, o.seed(), o.weightDecay, o.evalEvery, o.target,
                o.maxSteps, o.stopAtTarget, DataType.FLOAT);
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
