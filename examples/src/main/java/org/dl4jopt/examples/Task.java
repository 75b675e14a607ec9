package org.dl4jopt.examples;

import java.io.PrintStream;

/** A model with its loaded data: what {@code examples/run <model>} and {@code compare <model>} train. */
interface Task {

    /** The held-out metric runs of this task are judged by. */
    Metric metric();

    /** One line on the data, for the progress output and the report. */
    String describe();

    /** Trains one network; progress to {@code progress} (or nowhere if null). */
    RunResult train(RunSpec spec, PrintStream progress);
}
