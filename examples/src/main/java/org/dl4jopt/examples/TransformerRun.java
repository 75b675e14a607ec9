package org.dl4jopt.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.CharTransformer;
import org.dl4jopt.testmodels.LayerNormLayer;
import org.dl4jopt.testmodels.TextCorpus;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * Trains the character-level {@link CharTransformer} (dModel 64, 4 heads, 2 blocks, MLP 4x) on a {@link TextCorpus}
 * (the Debian {@code fortunes} files, or {@code --text-file}) with plain {@code ComputationGraph.fit}; evaluates the
 * validation loss in nats per character and bits per character ({@link CharTransformer#meanLoss}). The training loss
 * is the graph's score, which {@link CharTransformer} makes the mean nats per character.
 */
public final class TransformerRun implements Task {

    /** Validation fraction of a {@code --text-file} (its last 10%). */
    public static final double TEXT_FILE_VALIDATION_FRACTION = 0.1;

    private static final int EVAL_BATCH = 64;

    private final TextCorpus corpus;
    private final String source;
    private final CharTransformer.Spec modelSpec;
    /** Predicted validation characters per evaluation (whole windows, whole batches of {@value #EVAL_BATCH}). */
    private final int validationChars;

    private final int validationBatches;

    /**
     * {@code testLimit}: validation characters used (0 = all), rounded to whole windows and up to whole batches of
     * {@value #EVAL_BATCH} windows.
     */
    public TransformerRun(TextCorpus corpus, String source, int seqLen, int testLimit) {
        this.corpus = corpus;
        this.source = source;
        CharTransformer.Spec small = CharTransformer.Spec.small(corpus.vocabSize());
        this.modelSpec = new CharTransformer.Spec(
                corpus.vocabSize(), seqLen, small.dModel(), small.heads(), small.blocks(), small.mlpMultiple());
        int windowsAvailable = (corpus.validationText().length() - 1) / seqLen;
        if (windowsAvailable < 1) {
            throw new CliException(
                    "The validation text has " + corpus.validationText().length()
                            + " characters, fewer than one window of --seq-len " + seqLen
                            + " + 1; use a longer text or a "
                            + "smaller --seq-len.",
                    CliException.USAGE,
                    false);
        }
        int wanted = testLimit > 0 ? Math.max(1, testLimit / seqLen) : windowsAvailable;
        this.validationBatches = (wanted + EVAL_BATCH - 1) / EVAL_BATCH;
        this.validationChars = Math.min(windowsAvailable, validationBatches * EVAL_BATCH) * seqLen;
    }

    /**
     * The corpus of the command line: {@code textFile} (last 10% validation) if given, else the fortunes in
     * {@code dir} (default {@link TextCorpus#DEFAULT_FORTUNES_DIR}), failing with install instructions when missing.
     */
    public static TransformerRun load(Path textFile, Path dir, int seqLen, int testLimit) {
        if (textFile != null) {
            String text;
            try {
                text = Files.readString(textFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException(
                        "Cannot read --text-file " + textFile + ": " + e.getMessage(), CliException.ENVIRONMENT, false);
            }
            return new TransformerRun(
                    TextCorpus.of(text, TEXT_FILE_VALIDATION_FRACTION), textFile.toString(), seqLen, testLimit);
        }
        Path d = dir != null ? dir : TextCorpus.DEFAULT_FORTUNES_DIR;
        if (!Files.isDirectory(d)) {
            throw new CliException(
                    "The fortunes text is not in " + d + ".\nInstall it with:\n"
                            + "    sudo apt-get install fortunes\nor pass --text-file FILE (any text; its last 10% is the "
                            + "validation text) or --data-dir DIR (a directory of fortune files).",
                    CliException.ENVIRONMENT,
                    false);
        }
        return new TransformerRun(TextCorpus.fortunes(d), "fortunes in " + d, seqLen, testLimit);
    }

    @Override
    public Metric metric() {
        return Metric.VALIDATION_BPC;
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "Text: %s, %d train / %d validation characters (vocabulary %d); "
                        + "transformer dModel %d, %d heads, %d blocks, window %d",
                source,
                corpus.trainText().length(),
                validationChars,
                corpus.vocabSize(),
                modelSpec.dModel(),
                modelSpec.heads(),
                modelSpec.blocks(),
                modelSpec.seqLen());
    }

    @Override
    public RunResult train(RunSpec spec, PrintStream progress) {
        OptimizerRegistry.Entry entry = spec.optimizer().entry();
        Double wd = entry.effectiveWeightDecay(spec.weightDecay());
        OptimizerRegistry.Extras secondary = entry.applicable(spec.extras());
        IUpdater updater = entry.create(spec.optimizer().learningRate(), wd, spec.seed(), secondary);
        ComputationGraphConfiguration conf = CharTransformer.config(modelSpec, updater, spec.seed(), spec.dtype());
        if (wd != null && wd > 0 && entry.weightDecayMode() == OptimizerRegistry.WeightDecayMode.DL4J_REGULARIZATION) {
            addDl4jWeightDecay(conf, wd);
        }
        Optimizers.prepare(conf); // required for our optimizers, harmless for DL4J's own
        ComputationGraph net = new ComputationGraph(conf);
        net.init();

        int itersPerEpoch = corpus.batchesPerEpoch(spec.batch(), modelSpec.seqLen());
        RunResult.Settings settings = new RunResult.Settings(
                spec.model(),
                metric(),
                spec.optimizer().label(),
                spec.optimizer().learningRate(),
                wd,
                spec.epochs(),
                spec.batch(),
                spec.seed(),
                corpus.trainText().length(),
                validationChars,
                spec.target(),
                secondary);
        TrainLoop.Plan plan =
                new TrainLoop.Plan(settings, spec.maxSteps(), spec.evalEvery(), spec.stopAtTarget(), itersPerEpoch);
        DataSetIterator validation =
                new LimitedIterator(corpus.validationIterator(EVAL_BATCH, modelSpec.seqLen()), validationBatches);
        return TrainLoop.run(
                net,
                String.valueOf(updater),
                plan,
                corpus.trainIterator(spec.batch(), modelSpec.seqLen(), spec.seed()),
                net::fit,
                () -> evaluate(net, validation),
                () -> net.getUpdater(true).getStateViewArray(),
                entry.trainingListeners(),
                progress);
    }

    /** {bits per character, nats per character} on the validation windows. */
    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    private static double[] evaluate(ComputationGraph net, DataSetIterator validation) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            double nats = CharTransformer.meanLoss(net, validation);
            return new double[] {CharTransformer.bitsPerChar(nats), nats};
        }
    }

    /**
     * DL4J's decoupled {@link WeightDecay} (applyLR = true) on the weights, not biases, of every layer of the graph
     * except the layer norms (their gains are not decayed, as in GPT-2/nanoGPT): embeddings, attention, MLP, head.
     */
    static void addDl4jWeightDecay(ComputationGraphConfiguration conf, double weightDecay) {
        for (var v : conf.getVertices().values()) {
            if (!(v instanceof LayerVertex lv)) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (layer instanceof BaseLayer base) {
                base.setRegularization(with(base.getRegularization(), weightDecay));
            } else if (layer instanceof AbstractSameDiffLayer sd && !(layer instanceof LayerNormLayer)) {
                sd.setRegularization(with(sd.getRegularization(), weightDecay));
            }
        }
    }

    private static List<Regularization> with(List<Regularization> regs, double weightDecay) {
        List<Regularization> out = regs == null ? new ArrayList<>() : new ArrayList<>(regs);
        out.add(new WeightDecay(weightDecay, true));
        return out;
    }
}
