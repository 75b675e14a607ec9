package org.dl4jopt.onebit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jopt.NamedState;
import org.dl4jopt.Optimizers;
import org.dl4jopt.Training;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.NetworkContext;
import org.dl4jopt.testmodels.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** 1-bit Adam, single worker (spec A.5, A.13; issue acceptance tests). */
class OneBitAdamTest {
    static final List<DataSet> DATA = SyntheticData.vectors(512, 16, 3, 4).batchBy(32);

    static MultiLayerNetwork mlp(IUpdater u) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.DOUBLE)
                .updater(u)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(16)
                        .nOut(12)
                        .activation(Activation.TANH)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(12)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        return net;
    }

    /** Parameters: dense W 16x12 = 192, b 12; output W 12x3 = 36, b 3. Each has a step counter (4 digits), m and v. */
    @Test
    void stateHoldsErrorBuffersOnlyForSingleWorkerCompression() {
        long[] lengths = {192, 12, 36, 3};
        long plain = 0;
        long compressed = 0;
        for (long n : lengths) {
            plain += ExactCounter.DIGITS + 2 * n; // the step counter's base-256 digits, m, v
            compressed += ExactCounter.DIGITS + 2 * n + 2 * ((n + 7) / 8 * 8); // + worker/server error, padded
        }
        plain += NetworkContext.HEADER; // the network context, in the first block
        compressed += NetworkContext.HEADER;
        assertEquals(
                plain,
                mlp(OneBitAdam.builder()
                                .biasCorrection(false)
                                .momentumMaskThreshold(0)
                                .build())
                        .getUpdater()
                        .getStateViewArray()
                        .length());
        assertEquals(
                compressed,
                mlp(OneBitAdam.builder()
                                .biasCorrection(false)
                                .momentumMaskThreshold(0)
                                .compressSingleWorker(true)
                                .build())
                        .getUpdater()
                        .getStateViewArray()
                        .length());
    }

    @Test
    void biasCorrectedWarmupIsDl4jAdam() {
        MultiLayerNetwork onebit = mlp(OneBitAdam.builder()
                .momentumMaskThreshold(0)
                .learningRate(1e-2)
                .biasCorrection(true)
                .epsilon(1e-12)
                .freezeStep(1000)
                .build());
        MultiLayerNetwork adam = mlp(new Adam(1e-2, 0.9, 0.999, 1e-12));
        for (int i = 0; i < 8; i++) {
            onebit.fit(DATA.get(i));
            adam.fit(DATA.get(i));
            double rel = onebit.params().sub(adam.params()).norm2Number().doubleValue()
                    / adam.params().norm2Number().doubleValue();
            assertTrue(rel < 1e-6, "step " + i + ": relative difference " + rel);
        }
    }

    /** Layer 0's W second moment. */
    static INDArray v0(MultiLayerNetwork net) {
        return NamedState.get(net, "layer0", "W_V").dup();
    }

    @Test
    void varianceIsFrozenAfterTheWarmup() {
        MultiLayerNetwork net = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .freezeStep(3)
                .compressSingleWorker(true)
                .build());
        for (int i = 0; i < 2; i++) net.fit(DATA.get(i));
        INDArray before = v0(net);
        net.fit(DATA.get(2));
        INDArray atFreeze = v0(net);
        assertNotEquals(before, atFreeze, "step 3 still updates v");
        for (int i = 3; i < 8; i++) net.fit(DATA.get(i));
        assertEquals(atFreeze, v0(net), "after the freeze v never changes");
    }

    @Test
    void restoreMidCompressionContinuesIdentically(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .freezeStep(2)
                .compressSingleWorker(true)
                .weightDecay(0.01)
                .build());
        for (int i = 0; i < 5; i++) net.fit(DATA.get(i));
        File f = dir.resolve("onebit.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        for (int i = 5; i < 9; i++) {
            net.fit(DATA.get(i));
            restored.fit(DATA.get(i));
        }
        assertEquals(net.params(), restored.params());
        assertEquals(
                net.getUpdater().getStateViewArray(),
                restored.getUpdater().getStateViewArray(),
                "m, v, t and both error buffers");
        MultiLayerNetwork uncompressed = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .freezeStep(2)
                .weightDecay(0.01)
                .build());
        for (int i = 0; i < 9; i++) uncompressed.fit(DATA.get(i));
        assertTrue(!uncompressed.params().equalsWithEps(net.params(), 1e-9), "compression changes the steps");
    }

    /**
     * Dense layers, where every entry has a gradient during the warm-up: with a frozen variance of ~0 (a too short
     * warm-up on a CNN's rarely-activated weights) 1-bit Adam's steps are m/eps-sized, which is why the spec wants a
     * warm-up of 15-25 % of training (and DeepSpeed offers a momentum mask).
     */
    @Test
    void trainsWithCompression() {
        MultiLayerNetwork net = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .learningRate(3e-3)
                .freezeStep(8)
                .compressSingleWorker(true)
                .build());
        // 3 runs with 1e-6 relative gradient noise (NoisyRuns): 0.00449x
        Training.assertLossFalls("1-bit Adam mlp", net, DATA, 48, 0.5);
    }

    /** DATA with input features 0..3 always 0: rows 0..3 of layer 0's W get exactly zero gradients (v = 0). */
    static List<DataSet> withDeadInputs() {
        List<DataSet> out = new java.util.ArrayList<>();
        for (DataSet d : DATA) {
            INDArray f = d.getFeatures().dup();
            f.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).assign(0);
            out.add(new DataSet(f, d.getLabels()));
        }
        return out;
    }

    /**
     * Spec A.7 momentum mask, via momentumMaskThreshold: entries with negligible frozen v (here structurally zero)
     * keep m = 0 after the freeze, stay put and hold zero error; unmasked (tau = 0) the 1-bit codes move them by
     * about S / eps.
     */
    @Test
    void momentumMaskKeepsNegligibleVarianceEntriesPut() {
        List<DataSet> data = withDeadInputs();
        MultiLayerNetwork masked = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .freezeStep(3)
                .compressSingleWorker(true)
                .momentumMaskThreshold(0.1)
                .build());
        MultiLayerNetwork unmasked = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .freezeStep(3)
                .compressSingleWorker(true)
                .build());
        INDArray deadBefore = masked.getParam("0_W")
                .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                .dup();
        INDArray liveBefore = masked.getParam("0_W")
                .get(NDArrayIndex.interval(4, 16), NDArrayIndex.all())
                .dup();
        for (int i = 0; i < 8; i++) {
            masked.fit(data.get(i));
            unmasked.fit(data.get(i));
        }
        assertEquals(
                deadBefore,
                masked.getParam("0_W").get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()),
                "masked entries never move");
        assertNotEquals(
                liveBefore,
                masked.getParam("0_W").get(NDArrayIndex.interval(4, 16), NDArrayIndex.all()),
                "the other entries train");
        double drift = unmasked.getParam("0_W")
                .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                .sub(deadBefore)
                .amaxNumber()
                .doubleValue();
        assertTrue(drift > 1, "without the mask, zero-variance entries take ~S/eps steps; drift " + drift);
        // layer 0 W state [t | m (192) | v (192) | workerErr (192) | serverErr (192)], W in 'f' order: entry (i, j)
        // at i + 16 j
        java.util.Map<String, INDArray> state = NamedState.of(masked, "layer0");
        for (int j = 0; j < 12; j++) {
            for (int i = 0; i < 4; i++) {
                long e = i + 16L * j;
                assertEquals(0.0, Math.abs(state.get("W_M").getDouble(e)), "m at masked (" + i + "," + j + ")");
                assertEquals(
                        0.0, Math.abs(state.get("W_workerErr").getDouble(e)), "workerErr at (" + i + "," + j + ")");
                assertEquals(
                        0.0, Math.abs(state.get("W_serverErr").getDouble(e)), "serverErr at (" + i + "," + j + ")");
            }
        }
    }

    /**
     * The mask on one worker without compression (issue 15: it was ignored there). Inputs 0..3 are dead during the
     * 3-step warm-up (v = 0 at the freeze) and alive afterwards: with tau = 0 their weights then step
     * {@code lr m / eps}; with the mask (the default tau) their m stays 0 and they stay put, the rest trains.
     */
    @Test
    void momentumMaskAppliesOnOneWorkerWithoutCompression() {
        List<DataSet> dead = withDeadInputs();
        MultiLayerNetwork masked =
                mlp(OneBitAdam.builder().biasCorrection(false).freezeStep(3).build()); // the default tau
        MultiLayerNetwork unmasked = mlp(OneBitAdam.builder()
                .biasCorrection(false)
                .freezeStep(3)
                .momentumMaskThreshold(0)
                .build());
        INDArray deadBefore = masked.getParam("0_W")
                .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                .dup();
        INDArray liveBefore = masked.getParam("0_W")
                .get(NDArrayIndex.interval(4, 16), NDArrayIndex.all())
                .dup();
        for (int i = 0; i < 8; i++) {
            DataSet d = i < 3 ? dead.get(i) : DATA.get(i); // inputs 0..3 come alive after the freeze
            masked.fit(d);
            unmasked.fit(d);
        }
        assertEquals(
                deadBefore,
                masked.getParam("0_W").get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()),
                "masked entries never move");
        assertNotEquals(
                liveBefore,
                masked.getParam("0_W").get(NDArrayIndex.interval(4, 16), NDArrayIndex.all()),
                "the other entries train");
        double drift = unmasked.getParam("0_W")
                .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                .sub(deadBefore)
                .amaxNumber()
                .doubleValue();
        assertTrue(drift > 1, "tau = 0: zero-variance entries take ~lr m/eps steps; drift " + drift);
        java.util.Map<String, INDArray> state = NamedState.of(masked, "layer0");
        for (int j = 0; j < 12; j++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(0.0, Math.abs(state.get("W_M").getDouble(i + 16L * j)), "m at (" + i + "," + j + ")");
            }
        }
    }

    @Test
    void momentumMaskThresholdSurvivesJson() {
        MultiLayerConfiguration conf = mlp(OneBitAdam.builder()
                        .biasCorrection(false)
                        .freezeStep(3)
                        .momentumMaskThreshold(0.25)
                        .build())
                .getLayerWiseConfigurations();
        String json = conf.toJson();
        assertTrue(json.contains("momentumMaskThreshold"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertNotEquals(
                mlp(OneBitAdam.builder()
                                .biasCorrection(false)
                                .freezeStep(3)
                                .momentumMaskThreshold(0.5)
                                .build())
                        .getLayerWiseConfigurations(),
                back,
                "the threshold takes part in equality");
    }

    @Test
    void badSettingsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .freezeStep(-1)
                .build());
        assertTrue(e.getMessage().contains("OneBitAdam.freezeStep"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(0)
                .beta2(1)
                .build());
        assertTrue(e.getMessage().contains("OneBitAdam.beta2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneBitAdam.builder()
                .biasCorrection(false)
                .momentumMaskThreshold(-0.1)
                .build());
        assertTrue(e.getMessage().contains("OneBitAdam.momentumMaskThreshold"), e.getMessage());
    }

    /**
     * Issue #12: in a HALF network the step counter was one HALF element, which stops counting by one at 2048, so a
     * freeze step above 2048 came at the wrong step (or never). Now it is exact: the variance still moves at step
     * 2050 and never after, and the counter reads 2052 after 2052 steps.
     */
    @Test
    void halfNetworkFreezesAtTheRightStepPast2048() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.HALF)
                .updater(OneBitAdam.builder()
                        .biasCorrection(false)
                        .momentumMaskThreshold(0)
                        .learningRate(1e-6) // gradients stay large: v keeps moving in HALF's normal range
                        .epsilon(1e-3)
                        .beta2(0.9) // 10% EMA steps (0.1% steps are about one HALF ulp)
                        .freezeStep(2050)
                        .build())
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(16)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        for (int i = 0; i < 2049; i++) net.fit(DATA.get(i % DATA.size()));
        INDArray before = v0(net);
        net.fit(DATA.get(2049 % DATA.size())); // step 2050, the freeze step: v still updated
        INDArray atFreeze = v0(net);
        assertNotEquals(before, atFreeze, "step 2050 still updates v");
        for (int i = 2050; i < 2052; i++) net.fit(DATA.get(i % DATA.size()));
        assertEquals(atFreeze, v0(net), "after step 2050 v never changes");
        assertEquals(2052, ExactCounter.read(NamedState.get(net, "layer0", "W_t")), "exact step counter");
        assertTrue(Double.isFinite(net.score(DATA.get(0))));
    }
}
