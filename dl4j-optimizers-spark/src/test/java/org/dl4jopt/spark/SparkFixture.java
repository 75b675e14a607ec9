package org.dl4jopt.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.Optimizers;
import org.dl4jopt.examples.OptimizerRegistry;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The shared pieces of the Spark tests: a local[2] context, the models, the data and the common checks. */
final class SparkFixture {
    static final int N_IN = 10, HIDDEN = 32, CLASSES = 4, BATCH = 16;
    static final long SEED = 42;

    private SparkFixture() {}

    /** local[2], no UI, loopback only: small and quiet enough for CI. */
    static JavaSparkContext context(String appName) {
        SparkConf conf = new SparkConf()
                .setMaster("local[2]")
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.default.parallelism", "2")
                .set("spark.task.maxFailures", "1")
                .set("spark.sql.shuffle.partitions", "2");
        return new JavaSparkContext(conf);
    }

    /** Every optimizer the examples know (ours, plus DL4J's Adam and Nesterovs baselines). */
    static Stream<String> optimizers() {
        return OptimizerRegistry.names().stream();
    }

    /** The registry's updater with its default learning rate, as the examples build it. */
    static IUpdater updater(String name) {
        return OptimizerRegistry.get(name).create(null, null, SEED, OptimizerRegistry.Extras.DEFAULTS);
    }

    /** MLP dense1 (32, tanh) -> dense2 (32, tanh) -> output (4, softmax) with {@code name}'s updater, prepared. */
    static MultiLayerNetwork mlp(String name) {
        MultiLayerConfiguration conf = TestModels.mlp(updater(name), SEED, DataType.FLOAT, N_IN, HIDDEN, CLASSES);
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        return net;
    }

    /**
     * A small ComputationGraph with a residual add: in -> dense1 (32, tanh) -> dense2 (32, tanh);
     * add = dense1 + dense2 -> output (4, softmax), with {@code name}'s updater, prepared.
     */
    static ComputationGraph graph(String name) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(SEED)
                .dataType(DataType.FLOAT)
                .updater(updater(name))
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.feedForward(N_IN))
                .addLayer(
                        "dense1",
                        new DenseLayer.Builder()
                                .nOut(HIDDEN)
                                .activation(Activation.TANH)
                                .build(),
                        "in")
                .addLayer(
                        "dense2",
                        new DenseLayer.Builder()
                                .nOut(HIDDEN)
                                .activation(Activation.TANH)
                                .build(),
                        "dense1")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "dense1", "dense2")
                .addLayer(
                        "output",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(CLASSES)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "add")
                .setOutputs("output")
                .build();
        ComputationGraph net = new ComputationGraph(Optimizers.prepare(conf));
        net.init();
        return net;
    }

    /** Gaussian blobs: {@code n} examples in minibatches of {@link #BATCH}; the task is fixed, the seed draws the samples. */
    static List<DataSet> vectors(int n, long seed) {
        return SyntheticData.vectors(n, N_IN, CLASSES, seed).batchBy(BATCH);
    }

    static DataSet heldOutVectors() {
        return SyntheticData.vectors(512, N_IN, CLASSES, 999);
    }

    static JavaRDD<DataSet> rdd(JavaSparkContext sc, List<DataSet> batches) {
        return sc.parallelize(batches, 2);
    }

    /** Our optimizers' configs are org.dl4jopt classes; DL4J's baselines are not. */
    static boolean isOurs(IUpdater u) {
        return u.getClass().getName().startsWith("org.dl4jopt.");
    }

    /** The updater config of every layer that has parameters, in layer order. */
    static List<IUpdater> layerUpdaters(MultiLayerConfiguration conf) {
        List<IUpdater> out = new ArrayList<>();
        for (NeuralNetConfiguration c : conf.getConfs()) addUpdater(out, c.getLayer());
        return out;
    }

    static List<IUpdater> layerUpdaters(ComputationGraphConfiguration conf) {
        List<IUpdater> out = new ArrayList<>();
        for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> e :
                conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv)
                addUpdater(out, lv.getLayerConf().getLayer());
        }
        return out;
    }

    private static void addUpdater(List<IUpdater> out, Layer layer) {
        if (layer instanceof BaseLayer bl && bl.getIUpdater() != null) out.add(bl.getIUpdater());
    }

    /**
     * The updater state size DL4J lays out for {@code net}: the sum over every parameter of its own config's
     * {@code stateSize(length)} (the per-variable sum BaseMultiLayerUpdater computes).
     */
    static long expectedStateSize(MultiLayerNetwork net) {
        long total = 0;
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                total += l.getConfig()
                        .getUpdaterByParam(p.getKey())
                        .stateSize(p.getValue().length());
            }
        }
        return total;
    }

    static long expectedStateSize(ComputationGraph net) {
        long total = 0;
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                total += l.getConfig()
                        .getUpdaterByParam(p.getKey())
                        .stateSize(p.getValue().length());
            }
        }
        return total;
    }

    /**
     * The updater state that came back from the executors: the size our configs lay out (Adam's 2n where ours
     * differs is the proof that the workers did not fall back to some other updater), finite, and not all zero.
     */
    static void assertStateCameBack(String what, INDArray state, long expectedSize, long numParams, IUpdater u) {
        assertEquals(expectedSize, state.length(), what + ": updater state size");
        if (isOurs(u) && expectedSize != 2 * numParams) {
            assertTrue(state.length() != 2 * numParams, what + ": state has Adam's size");
        }
        assertTrue(
                Double.isFinite(state.sumNumber().doubleValue())
                        && Double.isFinite(state.norm2Number().doubleValue()),
                what + ": updater state not finite");
        assertTrue(state.amaxNumber().doubleValue() > 0, what + ": updater state all zero after training");
    }

    /** The measured bound of {@code name}; an optimizer without one fails with how to measure it. */
    static double bound(Map<String, Double> bounds, String name) {
        Double b = bounds.get(name);
        assertTrue(b != null, name + ": no loss bound measured; see BENCHMARKS.md, \"Statistical test bounds\"");
        return b;
    }

    /** Loss on the held-out set must fall to below {@code factor} times its initial value. */
    static void assertLossFalls(String what, double before, double after, double factor) {
        NoisyRuns.record(what, after / before);
        assertTrue(Double.isFinite(after), what + ": held-out loss not finite: " + after);
        assertTrue(
                after < factor * before,
                what + ": held-out loss " + before + " -> " + after + " (wanted < " + factor + "x)");
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE)
                .sub(b.castTo(DataType.DOUBLE))
                .amaxNumber()
                .doubleValue();
    }
}
