package org.dl4jopt.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.FashionMnist;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Trains {@link TestModels#cnn} on Fashion-MNIST with one optimizer through plain
 * {@link MultiLayerNetwork#fit(DataSetIterator)} ({@link TrainLoop}), evaluating test accuracy and loss.
 */
public final class CnnRun implements Task {

    private static final int EVAL_BATCH = 500;

    private final FashionMnist data;

    public CnnRun(FashionMnist data) {
        this.data = data;
    }

    /** Loads Fashion-MNIST, failing with install instructions when it is not there. */
    public static FashionMnist loadData(Path dir, int trainLimit, int testLimit) {
        Path d = dir != null ? dir : FashionMnist.defaultDir();
        List<String> missing = new ArrayList<>();
        for (String f : List.of(
                FashionMnist.TRAIN_IMAGES,
                FashionMnist.TRAIN_LABELS,
                FashionMnist.TEST_IMAGES,
                FashionMnist.TEST_LABELS)) {
            if (!Files.isRegularFile(d.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException(
                    "Fashion-MNIST not found in " + d + " (missing " + String.join(", ", missing)
                            + ").\nInstall it with:\n    sudo apt-get install dataset-fashion-mnist\n"
                            + "or pass --data-dir DIR pointing to a directory with the four IDX .gz files.",
                    CliException.ENVIRONMENT,
                    false);
        }
        return FashionMnist.load(d, trainLimit, testLimit);
    }

    @Override
    public Metric metric() {
        return Metric.TEST_ACCURACY;
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT, "Fashion-MNIST: %d train / %d test examples", data.trainSize(), data.testSize());
    }

    @Override
    public RunResult train(RunSpec spec, PrintStream progress) {
        OptimizerRegistry.Entry entry = spec.optimizer().entry();
        Double wd = entry.effectiveWeightDecay(spec.weightDecay());
        OptimizerRegistry.Extras secondary = entry.applicable(spec.extras());
        IUpdater updater = entry.create(spec.optimizer().learningRate(), wd, spec.seed(), secondary);
        MultiLayerConfiguration conf = TestModels.cnn(updater, spec.seed(), spec.dtype());
        if (wd != null && wd > 0 && entry.weightDecayMode() == OptimizerRegistry.WeightDecayMode.DL4J_REGULARIZATION) {
            OptimizerRegistry.addDl4jWeightDecay(conf, wd);
        }
        Optimizers.prepare(conf); // required for our optimizers, harmless for DL4J's own
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        int trainSize = data.trainSize();
        int itersPerEpoch = (trainSize + spec.batch() - 1) / spec.batch();
        RunResult.Settings settings = new RunResult.Settings(
                spec.model(),
                metric(),
                spec.optimizer().label(),
                spec.optimizer().learningRate(),
                wd,
                spec.epochs(),
                spec.batch(),
                spec.seed(),
                trainSize,
                data.testSize(),
                spec.target(),
                secondary);
        TrainLoop.Plan plan =
                new TrainLoop.Plan(settings, spec.maxSteps(), spec.evalEvery(), spec.stopAtTarget(), itersPerEpoch);
        return TrainLoop.run(
                net,
                String.valueOf(updater),
                plan,
                data.trainIterator(spec.batch(), spec.seed()),
                net::fit,
                () -> evaluate(net, data),
                () -> net.getUpdater(true).getStateViewArray(),
                entry.trainingListeners(),
                progress);
    }

    /** Test-set accuracy (via {@link Evaluation}) and mean per-example loss (network score without regularization). */
    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
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
            return new double[] {ev.accuracy(), n == 0 ? Double.NaN : lossSum / n};
        }
    }
}
