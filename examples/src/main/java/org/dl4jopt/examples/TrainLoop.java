package org.dl4jopt.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jopt.core.NonFiniteGradientException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The training loop shared by every model of the examples: plain {@code fit(DataSetIterator)} once per epoch,
 * a listener recording each iteration's loss and training wall time, held-out evaluations every
 * {@code evalEvery} iterations and at each epoch's end (their time excluded from the clock), and early stops (step
 * limit, {@code --stop-at-target}, divergence) through a {@link StoppableIterator}. The optimizer's own listeners
 * (registry entry) are installed before the recording listener. The recorded training loss is the network's score.
 */
final class TrainLoop {

    /** Held-out evaluation of the network being trained: returns {metric, loss}. */
    @FunctionalInterface
    interface Evaluator {
        double[] evaluate();
    }

    /**
     * How to train: {@code maxSteps} 0 = no limit besides the epochs; {@code itersPerEpoch} for the progress line
     * (0 if unknown); {@code stopAtTarget} ends training at the first evaluation reaching the target.
     */
    record Plan(RunResult.Settings settings, int maxSteps, int evalEvery, boolean stopAtTarget, int itersPerEpoch) {}

    /**
     * On a terminal a progress bar (me.tongfei:progressbar) is redrawn in place; in a log or pipe (CI, no console) a
     * plain line is printed every 15 s.
     */
    private static final boolean INTERACTIVE = System.console() != null;

    private static final long PROGRESS_INTERVAL_NANOS = 15_000_000_000L;

    private TrainLoop() {}

    /**
     * Trains {@code net} (already initialized) and returns what was recorded; a diverged run (non-finite loss) is
     * returned with {@link RunResult#failure()} set rather than thrown.
     *
     * @param fit        one epoch of training, e.g. {@code net::fit}
     * @param stateView  the network's updater state view after training (null if none)
     * @param listeners  the optimizer's own listeners (fresh instances)
     */
    static RunResult run(
            Model net,
            String updater,
            Plan plan,
            DataSetIterator train,
            Consumer<DataSetIterator> fit,
            Evaluator evaluator,
            Supplier<INDArray> stateView,
            List<TrainingListener> listeners,
            PrintStream progress) {
        StoppableIterator it = new StoppableIterator(train);
        Recorder rec = new Recorder(plan, it, evaluator, progress);
        List<TrainingListener> all = new ArrayList<>(listeners);
        all.add(rec);
        net.setListeners(all);

        RunResult.Settings s = plan.settings();
        rec.clock.start();
        for (int epoch = 1; epoch <= s.epochs() && !it.stopped(); epoch++) {
            rec.beginEpoch(epoch);
            try {
                fit.accept(it);
            } catch (NonFiniteGradientException e) { // our updaters refuse NaN/Inf gradients: a diverged run
                rec.endProgressLine();
                rec.diverged(e.getMessage());
                break;
            }
            rec.endProgressLine();
            if (rec.failure == null && rec.lastEvalIteration != rec.iterations) {
                rec.evaluate(epoch, true);
            }
        }
        INDArray state = stateView.get();
        long stateBytes = state == null ? 0 : state.length() * state.dataType().width();
        return new RunResult(s, updater, stateBytes, rec.seconds(), rec.losses(), rec.evals, rec.failure);
    }

    /** Training clock that can be paused while evaluating. */
    static final class Clock {
        private long start;
        private long excluded;
        private long pausedAt = -1;

        void start() {
            start = System.nanoTime();
            excluded = 0;
            pausedAt = -1;
        }

        void pause() {
            pausedAt = System.nanoTime();
        }

        void resume() {
            excluded += System.nanoTime() - pausedAt;
            pausedAt = -1;
        }

        double seconds() {
            long now = pausedAt >= 0 ? pausedAt : System.nanoTime();
            return (now - start - excluded) / 1e9;
        }
    }

    /** Collects loss and time per iteration, prints progress, runs the evaluations and decides early stops. */
    private static final class Recorder extends BaseTrainingListener {
        final Clock clock = new Clock();
        final List<RunResult.EvalPoint> evals = new ArrayList<>();
        private final Plan plan;
        private final RunResult.Settings s;
        private final StoppableIterator iterator;
        private final Evaluator evaluator;
        private final PrintStream progress;
        private double[] seconds = new double[1024];
        private double[] losses = new double[1024];
        int iterations;
        long lastEvalIteration = -1;
        String failure;
        private int epoch;
        private int iterInEpoch;
        private double epochStartSeconds;
        private long lastPrint;
        private ProgressBar bar;
        private String lastEvalText = "";
        private boolean targetReached;

        Recorder(Plan plan, StoppableIterator iterator, Evaluator evaluator, PrintStream progress) {
            this.plan = plan;
            this.s = plan.settings();
            this.iterator = iterator;
            this.evaluator = evaluator;
            this.progress = progress;
        }

        void beginEpoch(int e) {
            epoch = e;
            iterInEpoch = 0;
            epochStartSeconds = clock.seconds();
        }

        /** Records a diverged run ({@code why}: what was non-finite, where) and stops it. */
        void diverged(String why) {
            failure = "diverged: " + why;
            if (progress != null) {
                progress.printf(
                        Locale.ROOT,
                        "[%s lr %s] %s; try a smaller learning rate%n",
                        s.optimizer(),
                        Reports.shortNum(s.learningRate()),
                        failure);
            }
            iterator.stop();
        }

        @Override
        public void iterationDone(Model model, int iteration, int epochCount) {
            double t = clock.seconds();
            double loss = model.score();
            if (iterations == losses.length) {
                losses = Arrays.copyOf(losses, iterations * 2);
                seconds = Arrays.copyOf(seconds, iterations * 2);
            }
            losses[iterations] = loss;
            seconds[iterations] = t;
            iterations++;
            iterInEpoch++;
            if (!Double.isFinite(loss)) {
                endProgressLine();
                diverged(String.format(Locale.ROOT, "loss %s at iteration %d", loss, iterations));
                return;
            }

            if (INTERACTIVE && progress != null) {
                updateBar(loss);
                return;
            }
            long now = System.nanoTime();
            if (now - lastPrint >= PROGRESS_INTERVAL_NANOS || iterInEpoch == plan.itersPerEpoch()) {
                lastPrint = now;
                double dt = t - epochStartSeconds;
                printProgress(String.format(
                        Locale.ROOT,
                        "[%s lr %s] epoch %d/%d  iter %d%s  %,.1f it/s  loss %.4f%s",
                        s.optimizer(),
                        Reports.shortNum(s.learningRate()),
                        epoch,
                        s.epochs(),
                        iterInEpoch,
                        plan.itersPerEpoch() > 0 ? "/" + plan.itersPerEpoch() : "",
                        dt > 0 ? iterInEpoch / dt : 0.0,
                        loss,
                        lastEvalText));
            }
            boolean atLimit = plan.maxSteps() > 0 && iterations >= plan.maxSteps();
            if (plan.evalEvery() > 0
                    && iterInEpoch % plan.evalEvery() == 0
                    && !atLimit
                    && (plan.itersPerEpoch() <= 0 || iterInEpoch < plan.itersPerEpoch())) {
                evaluate(epoch, false);
            }
            if (atLimit) {
                iterator.stop();
            }
        }

        void evaluate(int e, boolean endOfEpoch) {
            clock.pause();
            try {
                double[] r = evaluator.evaluate();
                evals.add(new RunResult.EvalPoint(iterations, e, clock.seconds(), r[0], r[1]));
                lastEvalIteration = iterations;
                lastEvalText = String.format(
                        Locale.ROOT, "  | %s %.4f loss %.4f", s.metric().label(), r[0], r[1]);
                if (!targetReached && s.target() != null && s.metric().reaches(r[0], s.target())) {
                    targetReached = true;
                    endProgressLine();
                    if (progress != null) {
                        progress.printf(
                                Locale.ROOT,
                                "[%s lr %s] reached %s %s (%.4f) after %d iterations, " + "%.1f s training%s%n",
                                s.optimizer(),
                                Reports.shortNum(s.learningRate()),
                                s.metric().label(),
                                Reports.shortNum(s.target()),
                                r[0],
                                iterations,
                                clock.seconds(),
                                plan.stopAtTarget() ? "; stopping (--stop-at-target)" : "");
                    }
                    if (plan.stopAtTarget()) {
                        iterator.stop();
                    }
                }
                if ((endOfEpoch || iterator.stopped()) && progress != null) {
                    progress.printf(
                            Locale.ROOT,
                            "[%s lr %s] %s: %d iterations, %.1f s training, %s %.4f, " + "%s %.4f%n",
                            s.optimizer(),
                            Reports.shortNum(s.learningRate()),
                            endOfEpoch ? "epoch " + e + "/" + s.epochs() + " done" : "stopped",
                            iterations,
                            clock.seconds(),
                            s.metric().label(),
                            r[0],
                            s.metric().lossLabel(),
                            r[1]);
                }
            } finally {
                clock.resume();
            }
        }

        private void printProgress(String line) {
            if (progress != null) {
                progress.println(line);
            }
        }

        /** The terminal's progress bar of this epoch (created at its first iteration): iterations, rate, loss. */
        private void updateBar(double loss) {
            if (bar == null) {
                bar = new ProgressBarBuilder()
                        .setTaskName(String.format(
                                Locale.ROOT,
                                "[%s lr %s] epoch %d/%d",
                                s.optimizer(),
                                Reports.shortNum(s.learningRate()),
                                epoch,
                                s.epochs()))
                        .setInitialMax(plan.itersPerEpoch() > 0 ? plan.itersPerEpoch() : -1)
                        .setUnit(" it", 1)
                        .showSpeed()
                        .setConsumer(new ConsoleProgressBarConsumer(progress))
                        .build();
            }
            bar.stepTo(iterInEpoch);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f%s", loss, lastEvalText));
        }

        void endProgressLine() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }

        double[] seconds() {
            return Arrays.copyOf(seconds, iterations);
        }

        double[] losses() {
            return Arrays.copyOf(losses, iterations);
        }
    }
}
