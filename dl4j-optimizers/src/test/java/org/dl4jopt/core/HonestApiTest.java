package org.dl4jopt.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.dl4jopt.Optimizers;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.am.BetaGranularity;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Options an optimizer would ignore are refused, with a message that says what to do instead. */
class HonestApiTest {

    static org.deeplearning4j.nn.conf.MultiLayerConfiguration conf(IUpdater u) {
        return new NeuralNetConfiguration.Builder()
                .updater(u)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(4)
                        .nOut(5)
                        .activation(Activation.TANH)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(5)
                        .nOut(2)
                        .build())
                .build();
    }

    /** A routing override that names no layer is refused at prepare, listing the network's layer names. */
    @Test
    void unknownRoutingNamesAreRefusedWithTheLayerNames() {
        for (String bad : new String[] {"nope", ""}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Optimizers.prepare(
                            conf(Muon.builder().fallbackLayers(bad).build())));
            assertTrue(
                    e.getMessage().contains("[" + bad + "]") && e.getMessage().contains("[layer0, layer1]"),
                    e.getMessage());
        }
        Optimizers.prepare(conf(Muon.builder()
                .fallbackLayers("layer1")
                .matrixRuleLayers("layer0")
                .build()));
    }

    /** LANTON's base may set only its rule's options; LANTON's own builder owns rates, decay and routing. */
    @Test
    void lantonRefusesABaseThatSetsWhatLantonOwns() {
        for (Muon base : new Muon[] {
            Muon.builder().learningRate(0.05).build(),
            Muon.builder().weightDecay(0.1).build(),
            Muon.builder().adamLearningRate(1e-2).build(),
            Muon.builder().fallbackLayers("x").build()
        }) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Lanton.builder().base(base).build());
            assertTrue(e.getMessage().contains("Lanton.base"), e.getMessage());
        }
        Lanton.builder()
                .base(Muon.builder().momentum(0.9).nesterov(false).build())
                .build();
    }

    /** Traps refused at build: AM-AdamW GLOBAL, AM-SGD GLOBAL with coupled decay, betaMax 1, nsEpsilon 0. */
    @Test
    void trapsAreRefusedAtBuild() {
        assertThrows(IllegalArgumentException.class, () -> AdaptiveMemoryAdamW.builder()
                .granularity(BetaGranularity.GLOBAL)
                .build());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AdaptiveMemorySgd.builder().weightDecay(1e-4).build());
        assertTrue(e.getMessage().contains("PER_TENSOR"), e.getMessage());
        AdaptiveMemorySgd.builder()
                .granularity(BetaGranularity.PER_TENSOR)
                .weightDecay(1e-4)
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> AdaptiveMemoryAdamW.builder().betaMax(1.0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> AdaptiveMemorySgd.builder().betaMax(1.0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> Muon.builder().nsEpsilon(0).build());
    }

    /** Every layer must share the non-finite policy: the check decides for the whole step. */
    @Test
    void mixedPoliciesAreRefused() {
        org.deeplearning4j.nn.conf.MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(4)
                        .nOut(5)
                        .updater(Muon.builder().build())
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(5)
                        .nOut(2)
                        .updater(Muon.builder()
                                .nonFiniteGradients(NonFiniteGradientPolicy.SKIP)
                                .build())
                        .build())
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.prepare(c));
        assertTrue(e.getMessage().contains("same policy"), e.getMessage());
    }
}
