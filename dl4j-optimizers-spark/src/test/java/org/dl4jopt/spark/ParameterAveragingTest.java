package org.dl4jopt.spark;

import static org.dl4jopt.spark.SparkFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.examples.OptimizerRegistry;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Every optimizer under DL4J's {@link ParameterAveragingTrainingMaster} in Spark local[2]: two workers each run
 * {@value #AVG_FREQ} minibatches from the broadcast parameters and updater state, then the driver averages both.
 * The first two fits are checked against that computation done by hand on the driver (so the executors provably ran
 * our updater from the shipped config, and the averaged state came back and seeded the next fit); then a few epochs
 * must clearly lower the held-out loss.
 */
@Timeout(300)
class ParameterAveragingTest {
    /**
     * Held-out loss after training below this fraction of the loss before, per optimizer: halfway between the worst of
     * 3 runs with 1e-6 relative gradient noise on the workers (NoisyRuns) and 1, rounded down to 0.05
     * (BENCHMARKS.md, "Statistical test bounds", where the spreads are).
     */
    static final Map<String, Double> LOSS_FALLS_BELOW = Map.ofEntries(
            Map.entry("muon", 0.55),
            Map.entry("adam", 0.6),
            Map.entry("adamw", 0.6),
            Map.entry("sgd", 0.55),
            Map.entry("dropmuon", 0.6),
            Map.entry("fismo", 0.65),
            Map.entry("fismo-paper", 0.65),
            Map.entry("dmuon", 0.55),
            Map.entry("fismo-graft", 0.8),
            Map.entry("lanton", 0.55),
            Map.entry("onebit-adam", 0.6),
            Map.entry("am-sgd", 0.55),
            Map.entry("am-adamw", 0.55),
            Map.entry("graph muon", 0.55));

    static final int AVG_FREQ = 4;
    /** Two fits of exactly one split (2 workers x AVG_FREQ minibatches), then this many epochs over all data. */
    static final int EPOCHS = 3;
    /** Same ops on the same data in the same order: only float rounding of the averaging may differ. */
    static final double EXACT_TOL = 1e-5;

    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = context("ParameterAveragingTest");
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static ParameterAveragingTrainingMaster master() {
        return new ParameterAveragingTrainingMaster.Builder(2, BATCH)
                .batchSizePerWorker(BATCH)
                .averagingFrequency(AVG_FREQ)
                .saveUpdater(true)
                .workerPrefetchNumBatches(0)
                .repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
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
        IUpdater first = configsBefore.get(0);
        if (isOurs(first)) {
            assertTrue(first instanceof ShapeAwareUpdater s && s.layout() != null, name + ": not prepared");
        }
        long stateSize = expectedStateSize(net);

        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, master());
        spark.setListeners(OptimizerRegistry.get(name).trainingListeners());
        DataSet test = heldOutVectors();
        double before = net.score(test);
        List<DataSet> train = vectors(512, 1);

        // (a)+(b) exactly DL4J's parameter averaging of our updater, twice: the second fit starts from the averaged
        // state
        assertAveragedExactly(name, spark, train, name, stateSize, first);

        // (c) loss falls (the workers add gradient noise in a measuring run: after the exact part above)
        spark.setListeners(NoisyRuns.with(OptimizerRegistry.get(name).trainingListeners()));
        for (int e = 0; e < EPOCHS; e++) spark.fit(rdd(sc, train));
        double after = net.score(test);
        System.out.printf("paramavg %-12s loss %.4f -> %.4f%n", name, before, after);
        assertLossFalls(name, before, after, bound(LOSS_FALLS_BELOW, name));

        // (a) the config on the driver still carries our updaters with their layouts, and survives a JSON round trip
        assertEquals(configsBefore, layerUpdaters(conf), name + ": updater configs changed");
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back, name + ": JSON round trip");
        assertEquals(configsBefore, layerUpdaters(back), name + ": updater configs after JSON round trip");
        assertStateCameBack(name + " final", net.getUpdater().getStateViewArray(), stateSize, net.numParams(), first);
    }

    /** Two fits of one split each, every one equal to the averaging done by hand. */
    static void assertAveragedExactly(
            String what,
            SparkDl4jMultiLayer spark,
            List<DataSet> train,
            String listenersOf,
            long stateSize,
            IUpdater first) {
        MultiLayerNetwork net = spark.getNetwork();
        for (int f = 0; f < 2; f++) {
            List<DataSet> chunk = train.subList(f * 2 * AVG_FREQ, (f + 1) * 2 * AVG_FREQ);
            INDArray[] expected = averagedByHand(net, chunk, listenersOf);
            spark.fit(rdd(sc, chunk));
            INDArray state = net.getUpdater().getStateViewArray();
            assertStateCameBack(what + " fit " + f, state, stateSize, net.numParams(), first);
            assertEquals(
                    0, maxAbsDiff(expected[0], net.params()), EXACT_TOL, what + " fit " + f + ": averaged parameters");
            assertEquals(0, maxAbsDiff(expected[1], state), EXACT_TOL, what + " fit " + f + ": averaged updater state");
        }
    }

    /**
     * 1-bit Adam across its variance freeze (the registry's freezeStep 100 is beyond this test's steps): freezeStep 6
     * falls inside the second fit, so the frozen phase runs on the executors from an averaged variance.
     */
    @Test
    void oneBitAdamAcrossTheFreeze() {
        MultiLayerConfiguration conf = TestModels.mlp(
                OneBitAdam.builder()
                        .momentumMaskThreshold(0)
                        .freezeStep(6)
                        .biasCorrection(true)
                        .build(),
                SEED,
                DataType.FLOAT,
                N_IN,
                HIDDEN,
                CLASSES);
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, master());
        assertAveragedExactly(
                "onebit-adam freeze 6",
                spark,
                vectors(512, 1),
                "onebit-adam",
                expectedStateSize(net),
                layerUpdaters(conf).get(0));
    }

    /**
     * What ParameterAveragingTrainingWorker does on each executor, done on the driver: each of the two workers
     * clones the config, takes the broadcast parameters and updater state, fits its half of {@code chunk} (Spark's
     * parallelize puts the first half in partition 0) minibatch by minibatch; the driver averages both.
     */
    static INDArray[] averagedByHand(MultiLayerNetwork driver, List<DataSet> chunk, String name) {
        INDArray p0 = driver.params().dup();
        INDArray s0 = driver.getUpdater().getStateViewArray().dup();
        INDArray pSum = null, sSum = null;
        int half = chunk.size() / 2;
        for (int w = 0; w < 2; w++) {
            MultiLayerNetwork n =
                    new MultiLayerNetwork(driver.getLayerWiseConfigurations().clone());
            n.init(p0.dup(), false);
            n.setUpdater(new MultiLayerUpdater(n, s0.dup()));
            n.setListeners(OptimizerRegistry.get(name).trainingListeners().toArray(new TrainingListener[0]));
            for (DataSet ds : chunk.subList(w * half, (w + 1) * half)) n.fit(ds);
            pSum = pSum == null ? n.params().dup() : pSum.addi(n.params());
            INDArray s = n.getUpdater().getStateViewArray();
            sSum = sSum == null ? s.dup() : sSum.addi(s);
        }
        return new INDArray[] {pSum.divi(2), sSum.divi(2)};
    }

    /** Muon on a ComputationGraph (residual MLP) through SparkComputationGraph, with the same exact check. */
    @Test
    void computationGraphMuon() {
        ComputationGraph net = graph("muon");
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<IUpdater> configsBefore = layerUpdaters(conf);
        long stateSize = expectedStateSize(net);

        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master());
        DataSet test = heldOutVectors();
        double before = net.score(test);
        List<DataSet> train = vectors(512, 1);
        for (int f = 0; f < 2; f++) {
            List<DataSet> chunk = train.subList(f * 2 * AVG_FREQ, (f + 1) * 2 * AVG_FREQ);
            INDArray[] expected = averagedByHand(net, chunk);
            spark.fit(rdd(sc, chunk));
            INDArray state = net.getUpdater().getStateViewArray();
            assertStateCameBack("graph fit " + f, state, stateSize, net.numParams(), configsBefore.get(0));
            assertEquals(
                    0, maxAbsDiff(expected[0], net.params()), EXACT_TOL, "graph fit " + f + ": averaged parameters");
            assertEquals(0, maxAbsDiff(expected[1], state), EXACT_TOL, "graph fit " + f + ": averaged updater state");
        }
        if (!NoisyRuns.listeners().isEmpty()) spark.setListeners(NoisyRuns.listeners());
        for (int e = 0; e < EPOCHS; e++) spark.fit(rdd(sc, train));
        double after = net.score(test);
        System.out.printf("paramavg graph-muon   loss %.4f -> %.4f%n", before, after);
        assertLossFalls("graph muon", before, after, bound(LOSS_FALLS_BELOW, "graph muon"));
        assertEquals(configsBefore, layerUpdaters(conf));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(configsBefore, layerUpdaters(back));
        assertNotNull(((ShapeAwareUpdater) layerUpdaters(back).get(0)).layout());
    }

    static INDArray[] averagedByHand(ComputationGraph driver, List<DataSet> chunk) {
        INDArray p0 = driver.params().dup();
        INDArray s0 = driver.getUpdater().getStateViewArray().dup();
        INDArray pSum = null, sSum = null;
        int half = chunk.size() / 2;
        for (int w = 0; w < 2; w++) {
            ComputationGraph n = new ComputationGraph(driver.getConfiguration().clone());
            n.init(p0.dup(), false);
            n.setUpdater(new ComputationGraphUpdater(n, s0.dup()));
            for (DataSet ds : chunk.subList(w * half, (w + 1) * half)) n.fit(ds);
            pSum = pSum == null ? n.params().dup() : pSum.addi(n.params());
            INDArray s = n.getUpdater().getStateViewArray();
            sSum = sSum == null ? s.dup() : sSum.addi(s);
        }
        return new INDArray[] {pSum.divi(2), sSum.divi(2)};
    }
}
