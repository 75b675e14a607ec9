package org.dl4jopt.spark;

import static org.dl4jopt.spark.SparkFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.NoOpResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.examples.OptimizerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier;

/**
 * Every optimizer under DL4J's {@link SharedTrainingMaster} (gradient sharing over Aeron UDP) in Spark local[2]. The
 * worker applies our updater, DL4J threshold-encodes the post-updater update (with residual) and sends it through the
 * parameter server to the driver, which applies the decoded updates to its own copy; the worker's updater state comes
 * back at the end of each fit. Checked: the driver's network learns (held-out loss), the state that came back is our
 * optimizer's (size, finite, non-zero), and the configs are unchanged.
 */
@Timeout(300)
class SharedTrainingTest {
    /**
     * Held-out loss after training below this fraction of the loss before, per optimizer: halfway between the worst of
     * 3 runs with 1e-6 relative gradient noise on the workers (NoisyRuns) and 1, rounded down to 0.05
     * (BENCHMARKS.md, "Statistical test bounds", where the spreads are).
     */
    static final Map<String, Double> LOSS_FALLS_BELOW = Map.ofEntries(
            Map.entry("muon", 0.55),
            Map.entry("adam", 0.55),
            Map.entry("adamw", 0.55),
            Map.entry("sgd", 0.55),
            Map.entry("dropmuon", 0.55),
            Map.entry("fismo", 0.75),
            Map.entry("fismo-paper", 0.75),
            Map.entry("dmuon", 0.55),
            Map.entry("fismo-graft", 0.75),
            Map.entry("lanton", 0.55),
            Map.entry("onebit-adam", 0.6),
            Map.entry("am-sgd", 0.55),
            Map.entry("am-adamw", 0.55),
            Map.entry("graph muon", 0.55));

    /**
     * Threshold tau of DL4J's encoding: each step moves an element by exactly +-tau or 0, the rest stays in the
     * residual. With no residual clipping the applied updates add up to the optimizer's (error feedback), so tau
     * only has to be about one step's size; DL4J's default (adaptive tau, 1e-4..1e-2 sparsity, residual clipped at
     * 5 tau) is built for very large models and throttles a 1.5k-parameter model to a few elements per step.
     */
    static final double TAU = 5e-3;

    static final int EPOCHS = 4;

    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = context("SharedTrainingTest");
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    /** A free UDP port on the loopback interface for the parameter server; SharedTrainingMaster takes the controller
     * port from the VoidConfiguration's port supplier (its unicastControllerPort is overwritten with it). */
    static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("deprecation") // repartitionData(Never) is M2's only switch to keep the RDD as partitioned
    static SharedTrainingMaster master() {
        int port = freeUdpPort();
        VoidConfiguration voidConf = VoidConfiguration.builder()
                .controllerAddress("127.0.0.1")
                .portSupplier(new StaticPortSupplier(port))
                .build();
        return new SharedTrainingMaster.Builder(voidConf, BATCH)
                .batchSizePerWorker(BATCH)
                .workersPerNode(1)
                .thresholdAlgorithm(new FixedThresholdAlgorithm(TAU))
                .residualPostProcessor(new NoOpResidualPostProcessor())
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartitionData(Repartition.Never)
                .repartitioner(new NoOpRepartitioner())
                .workerPrefetchNumBatches(0)
                .collectTrainingStats(false)
                .rngSeed(SEED)
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.dl4jopt.spark.SparkFixture#optimizers")
    void multiLayerNetwork(String name) {
        MultiLayerNetwork net = mlp(name);
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<IUpdater> configsBefore = layerUpdaters(conf);
        long stateSize = expectedStateSize(net);
        INDArray initial = net.params().dup();

        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, master());
        spark.setListeners(NoisyRuns.with(OptimizerRegistry.get(name).trainingListeners()));
        DataSet test = heldOutVectors();
        double before = net.score(test);
        List<DataSet> train = vectors(512, 1);
        for (int e = 0; e < EPOCHS; e++) {
            spark.fit(sc.parallelize(train, 1));
            assertStateCameBack(
                    name + " fit " + e,
                    net.getUpdater().getStateViewArray(),
                    stateSize,
                    net.numParams(),
                    configsBefore.get(0));
        }
        double after = net.score(test);
        System.out.printf(
                "shared %-12s loss %.4f -> %.4f  max|dW| %.4f%n",
                name, before, after, maxAbsDiff(initial, net.params()));
        assertLossFalls(name, before, after, bound(LOSS_FALLS_BELOW, name));

        assertEquals(configsBefore, layerUpdaters(conf), name + ": updater configs changed");
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back, name + ": JSON round trip");
        assertEquals(configsBefore, layerUpdaters(back), name + ": updater configs after JSON round trip");
    }

    @Test
    void computationGraphMuon() {
        ComputationGraph net = graph("muon");
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<IUpdater> configsBefore = layerUpdaters(conf);
        long stateSize = expectedStateSize(net);

        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master());
        if (!NoisyRuns.listeners().isEmpty()) spark.setListeners(NoisyRuns.listeners());
        DataSet test = heldOutVectors();
        double before = net.score(test);
        List<DataSet> train = vectors(512, 1);
        for (int e = 0; e < EPOCHS; e++) {
            spark.fit(sc.parallelize(train, 1));
            assertStateCameBack(
                    "graph fit " + e,
                    net.getUpdater().getStateViewArray(),
                    stateSize,
                    net.numParams(),
                    configsBefore.get(0));
        }
        double after = net.score(test);
        System.out.printf("shared graph-muon    loss %.4f -> %.4f%n", before, after);
        assertLossFalls("graph muon", before, after, bound(LOSS_FALLS_BELOW, "graph muon"));
        assertEquals(configsBefore, layerUpdaters(conf));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(configsBefore, layerUpdaters(back));
        assertNotNull(((ShapeAwareUpdater) layerUpdaters(back).get(0)).layout());
    }
}
