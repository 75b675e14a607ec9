package org.dl4jopt.examples;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.FashionMnist;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Trains {@link TestModels#cnn} on Fashion-MNIST with one optimizer through plain
 * {@link MultiLayerNetwork#fit(DataSetIterator)} (one call per epoch), records the per-iteration loss and training
 * wall time, evaluates on the test set at the end of every epoch (and every {@code evalEvery} iterations within it),
 * and writes the run's files. Listeners an optimizer needs (its registry entry's
 * {@link OptimizerRegistry.Entry#trainingListeners()}, e.g. Drop-Muon's backward truncation) are installed before the
 * recording listener.
 */
public final class CnnRun {

    /** Everything a run needs besides the data. {@code targetAccuracy}: the {@code --target-accuracy}, or null. */
    public record Spec(String model, Options.OptimizerChoice optimizer, int epochs, int batch, long seed,
                       Double weightDecay, int evalEvery, Double targetAccuracy, DataType dtype) {
    }

    private static final int EVAL_BATCH = 500;
    /** On a terminal the progress line is redrawn in place; in a log or pipe a new line is printed every 15 s. */
    private static final boolean INTERACTIVE = System.console() != null;
    private static final long PROGRESS_INTERVAL_NANOS = INTERACTIVE ? 200_000_000L : 15_000_000_000L;

    private CnnRun() {
    }

    /** Loads Fashion-MNIST, failing with install instructions when it is not there. */
    public static FashionMnist loadData(Path dir, int trainLimit, int testLimit) {
        Path d = dir != null ? dir : FashionMnist.defaultDir();
        List<String> missing = new ArrayList<>();
        for (String f : List.of(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES,
                FashionMnist.TEST_LABELS)) {
            if (!Files.isRegularFile(d.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException("Fashion-MNIST not found in " + d + " (missing " + String.join(", ", missing)
                    + ").\nInstall it with:\n    sudo apt-get install dataset-fashion-mnist\n"
                    + "or pass --data-dir DIR pointing to a directory with the four IDX .gz files.",
                    CliException.ENVIRONMENT, false);
        }
        return FashionMnist.load(d, trainLimit, testLimit);
    }

    /** Trains and writes {@code summary.json}, {@code curves.csv}, {@code evals.csv}, {@code curves.png} to {@code out}. */
    public static RunResult runAndWrite(Spec spec, FashionMnist data, Path out, PrintStream progress)
            throws IOException {
        RunResult r = train(spec, data, progress);
        Reports.writeRun(r, out);
        return r;
    }

    /** Trains one network; progress goes to {@code progress} (carriage-return updated), or nowhere if null. */
    public static RunResult train(Spec spec, FashionMnist data, PrintStream progress) {
        OptimizerRegistry.Entry entry = spec.optimizer().entry();
        IUpdater updater = entry.create(spec.optimizer().learningRate(), spec.weightDecay(), spec.seed());
        MultiLayerConfiguration conf = TestModels.cnn(updater, spec.seed(), spec.dtype());
        if (spec.weightDecay() != null && spec.weightDecay() > 0
                && entry.weightDecayMode() == OptimizerRegistry.WeightDecayMode.DL4J_REGULARIZATION) {
            OptimizerRegistry.addDl4jWeightDecay(conf, spec.weightDecay());
        }
        Optimizers.prepare(conf); // required for our optimizers, harmless for DL4J's own
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        int trainSize = data.trainSize();
        int itersPerEpoch = (trainSize + spec.batch() - 1) / spec.batch();
        Recorder rec = new Recorder(spec, net, data, trainSize, itersPerEpoch, progress);
        List<TrainingListener> listeners = new ArrayList<>(entry.trainingListeners());
        listeners.add(rec);
        net.setListeners(listeners);
        DataSetIterator train = data.trainIterator(spec.batch(), spec.seed());

        rec.clock.start();
        for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
            rec.beginEpoch(epoch);
            net.fit(train);
            rec.endProgressLine();
            rec.evaluate(epoch, true);
        }
        return new RunResult(spec.model(), spec.optimizer().label(), spec.optimizer().learningRate(),
                spec.weightDecay(), spec.epochs(), spec.batch(), spec.seed(), trainSize, data.testSize(),
                String.valueOf(updater), rec.seconds(), rec.losses(), rec.evals, spec.targetAccuracy());
    }

    /** Test-set accuracy (via {@link Evaluation}) and mean per-example loss (network score without regularization). */
    static double[] evaluate(MultiLayerNetwork net, FashionMnist data) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DataSetIterator it = data.testIterator(EVAL_BATCH);
            Evaluation ev = new Evaluation(FashionMnist.NUM_CLASSES);
            double lossSum = 0;
            long n = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                INDArray out = net.output(ds.getFeatures(), false);
                ev.eval(ds.getLabels(), out);
                lossSum += net.scoreExamples(ds, false).sumNumber().doubleValue();
                n += ds.numExamples();
            }
            return new double[]{ev.accuracy(), n == 0 ? Double.NaN : lossSum / n};
        }
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

    /** Collects loss and time per iteration, prints progress, and runs the within-epoch evaluations. */
    private static final class Recorder extends BaseTrainingListener {
        final Clock clock = new Clock();
        final List<RunResult.EvalPoint> evals = new ArrayList<>();
        private final Spec spec;
        private final MultiLayerNetwork net;
        private final FashionMnist data;
        private final int trainSize;
        private final int itersPerEpoch;
        private final PrintStream progress;
        private double[] seconds = new double[1024];
        private double[] losses = new double[1024];
        private int iterations;
        private int epoch;
        private int iterInEpoch;
        private long examplesInEpoch;
        private double epochStartSeconds;
        private long lastPrint;
        private int lastLineLength;
        private String lastEvalText = "";
        private boolean targetReached;

        Recorder(Spec spec, MultiLayerNetwork net, FashionMnist data, int trainSize, int itersPerEpoch,
                 PrintStream progress) {
            this.spec = spec;
            this.net = net;
            this.data = data;
            this.trainSize = trainSize;
            this.itersPerEpoch = itersPerEpoch;
            this.progress = progress;
        }

        void beginEpoch(int e) {
            epoch = e;
            iterInEpoch = 0;
            examplesInEpoch = 0;
            epochStartSeconds = clock.seconds();
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
            examplesInEpoch += Math.min(spec.batch(), Math.max(0, trainSize - (long) (iterInEpoch - 1) * spec.batch()));
            if (!Double.isFinite(loss)) {
                endProgressLine();
                throw new CliException(String.format(Locale.ROOT,
                        "%s: training diverged (loss %s at iteration %d); try a smaller learning rate",
                        spec.optimizer().label(), loss, iterations), CliException.DIVERGED, false);
            }

            long now = System.nanoTime();
            if (now - lastPrint >= PROGRESS_INTERVAL_NANOS || iterInEpoch == itersPerEpoch) {
                lastPrint = now;
                double dt = t - epochStartSeconds;
                printProgress(String.format(Locale.ROOT, "[%s] epoch %d/%d  iter %d/%d  %,.0f ex/s  loss %.4f%s",
                        spec.optimizer().label(), epoch, spec.epochs(), iterInEpoch, itersPerEpoch,
                        dt > 0 ? examplesInEpoch / dt : 0.0, loss, lastEvalText));
            }
            if (spec.evalEvery() > 0 && iterInEpoch % spec.evalEvery() == 0 && iterInEpoch < itersPerEpoch) {
                evaluate(epoch, false);
            }
        }

        void evaluate(int e, boolean endOfEpoch) {
            clock.pause();
            try {
                double[] r = CnnRun.evaluate(net, data);
                evals.add(new RunResult.EvalPoint(iterations, e, clock.seconds(), r[0], r[1]));
                lastEvalText = String.format(Locale.ROOT, "  | test acc %.4f loss %.4f", r[0], r[1]);
                if (!targetReached && spec.targetAccuracy() != null && r[0] >= spec.targetAccuracy()) {
                    targetReached = true;
                    endProgressLine();
                    if (progress != null) {
                        progress.printf(Locale.ROOT, "[%s] reached test accuracy %s (%.4f) after %d iterations, "
                                        + "%.1f s training%n", spec.optimizer().label(),
                                Reports.shortNum(spec.targetAccuracy()), r[0], iterations, clock.seconds());
                    }
                }
                if (endOfEpoch && progress != null) {
                    progress.printf(Locale.ROOT, "[%s] epoch %d/%d done: %d iterations, %.1f s training, "
                                    + "test accuracy %.4f, test loss %.4f%n",
                            spec.optimizer().label(), e, spec.epochs(), iterations, clock.seconds(), r[0], r[1]);
                }
            } finally {
                clock.resume();
            }
        }

        private void printProgress(String line) {
            if (progress == null) {
                return;
            }
            if (!INTERACTIVE) {
                progress.println(line);
                return;
            }
            String padded = line.length() < lastLineLength ? line + " ".repeat(lastLineLength - line.length()) : line;
            progress.print("\r" + padded);
            progress.flush();
            lastLineLength = line.length();
        }

        void endProgressLine() {
            if (progress != null && lastLineLength > 0) {
                progress.println();
                lastLineLength = 0;
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
