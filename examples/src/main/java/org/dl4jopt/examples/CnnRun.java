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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Trains a Fashion-MNIST CNN with one optimizer through plain {@link MultiLayerNetwork#fit(DataSetIterator)}
 * ({@link TrainLoop}): the reference CNN judged by test accuracy, or Drop-Muon's 3-layer CNN judged by training
 * accuracy (its paper's metric).
 */
public final class CnnRun implements Task {

    /** The two Fashion-MNIST models, their metric and what they are evaluated on. */
    public enum Model {
        /** {@link TestModels#cnn}, evaluated on the test split. */
        REFERENCE("cnn", Metric.TEST_ACCURACY, TestModels::cnn),
        /** {@link TestModels#threeLayerCnn}, evaluated on the first training images ({@code --test-limit}). */
        THREE_LAYER("cnn3", Metric.TRAIN_ACCURACY, TestModels::threeLayerCnn);

        /** Default number of training images {@link #THREE_LAYER} is evaluated on. */
        public static final int DEFAULT_TRAIN_EVAL_LIMIT = 10_000;

        /** A model's configuration for an updater, seed and data type, as {@link TestModels}' methods. */
        private interface Configuration {
            MultiLayerConfiguration build(IUpdater updater, long seed, DataType dtype);
        }

        private final String cliName;
        private final Metric metric;
        private final Configuration configuration;

        Model(String cliName, Metric metric, Configuration configuration) {
            this.cliName = cliName;
            this.metric = metric;
            this.configuration = configuration;
        }

        public String cliName() {
            return cliName;
        }
    }

    private static final int EVAL_BATCH = 500;

    private final FashionMnist data;
    private final Model model;
    private final int evalLimit;

    /** {@code evalLimit}: for {@link Model#THREE_LAYER}, the number of training images evaluated on (0: default). */
    public CnnRun(FashionMnist data, Model model, int evalLimit) {
        this.data = data;
        this.model = model;
        this.evalLimit = evalLimit > 0 ? evalLimit : Model.DEFAULT_TRAIN_EVAL_LIMIT;
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
        return model.metric;
    }

    @Override
    public String describe() {
        return model == Model.REFERENCE
                ? String.format(
                        Locale.ROOT, "Fashion-MNIST: %d train / %d test examples", data.trainSize(), evalExamples())
                : String.format(
                        Locale.ROOT,
                        "Fashion-MNIST, Drop-Muon's 3-layer CNN: %d train examples, training accuracy on the first %d",
                        data.trainSize(),
                        evalExamples());
    }

    @Override
    public RunResult train(RunSpec spec, PrintStream progress) {
        OptimizerRegistry.Entry entry = spec.optimizer().entry();
        Double wd = entry.effectiveWeightDecay(spec.weightDecay());
        OptimizerRegistry.Extras secondary = entry.applicable(spec.extras());
        IUpdater updater = entry.create(spec.optimizer().learningRate(), wd, spec.seed(), secondary);
        MultiLayerConfiguration conf = model.configuration.build(updater, spec.seed(), spec.dtype());
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
                evalExamples(),
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
                () -> evaluate(net, evalIterator()),
                () -> net.getUpdater(true).getStateViewArray(),
                entry.trainingListeners(),
                progress);
    }

    /** Number of examples evaluated on: the test split, or {@link Model#THREE_LAYER}'s training subset. */
    private int evalExamples() {
        return model == Model.REFERENCE ? data.testSize() : Math.min(evalLimit, data.trainSize());
    }

    private DataSetIterator evalIterator() {
        return model == Model.REFERENCE
                ? data.testIterator(EVAL_BATCH)
                : data.trainSubsetIterator(EVAL_BATCH, evalLimit);
    }

    /** As DL4J's {@code LossMCXENT}: softmax outputs are clipped to [eps, 1 - eps] before the log. */
    private static final double SOFTMAX_CLIP_EPS = 1e-10;

    /**
     * Accuracy (via {@link Evaluation}) and mean per-example loss without regularization, from one forward pass: both
     * models end in a softmax {@code MCXENT} output layer, whose per-example loss is {@code -sum(y log clip(p))}.
     */
    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    static double[] evaluate(MultiLayerNetwork net, DataSetIterator it) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Evaluation ev = new Evaluation(FashionMnist.NUM_CLASSES);
            double lossSum = 0;
            long n = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                INDArray out = net.output(ds.getFeatures(), false);
                ev.eval(ds.getLabels(), out);
                INDArray clipped =
                        Transforms.min(Transforms.max(out, SOFTMAX_CLIP_EPS, false), 1 - SOFTMAX_CLIP_EPS, false);
                lossSum -= Transforms.log(clipped, false)
                        .muli(ds.getLabels())
                        .sumNumber()
                        .doubleValue();
                n += ds.numExamples();
            }
            return new double[] {ev.accuracy(), n == 0 ? Double.NaN : lossSum / n};
        }
    }
}
