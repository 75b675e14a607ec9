package org.dl4jopt.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The layers README.md lists as DL4J limitations: they fail inside DL4J with DL4J's own Adam, and the same way with
 * this library's optimizers (so the README stays true; if a DL4J upgrade fixes them, the Adam half fails), and the
 * one layer {@code Optimizers.prepare} refuses, with its reason and workaround.
 */
class Dl4jLimitationsTest {

    static final LayerCase LEARNED_SELF_ATTENTION = LayerCases.of(
            "LearnedSelfAttention", InputType.recurrent(3, 5), LayerCases::sequencesToClass, () -> new Layer[] {
                new LearnedSelfAttentionLayer.Builder()
                        .nOut(4)
                        .nHeads(2)
                        .nQueries(2)
                        .projectInput(true)
                        .build(),
                LayerCases.out()
            });

    static final LayerCase LAYER_NORM_SIMPLE_RNN =
            LayerCases.of("SimpleRnn(layerNorm)", InputType.recurrent(3, 5), LayerCases::sequences, () -> new Layer[] {
                new SimpleRnn.Builder()
                        .nOut(6)
                        .hasLayerNorm(true)
                        .activation(Activation.TANH)
                        .build(),
                LayerCases.rnnOut()
            });

    static Throwable failure(LayerCase c, IUpdater updater) {
        DataSet d = c.batch.get();
        return assertThrows(Throwable.class, () -> {
            // DL4J's own updater: no prepare at all, so the failure is DL4J's alone
            MultiLayerNetwork net = new MultiLayerNetwork(
                    updater instanceof ShapeAwareUpdater
                            ? Optimizers.prepare(c.multiLayer(updater))
                            : c.multiLayer(updater));
            net.init();
            for (int i = 0; i < 3; i++) net.fit(d);
        });
    }

    static Throwable root(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    @ParameterizedTest
    @EnumSource(Opt.class)
    void failsInDl4jWithAdamAndTheSameWayWithOurs(Opt o) {
        for (LayerCase c : List.of(LEARNED_SELF_ATTENTION, LAYER_NORM_SIMPLE_RNN)) {
            Throwable adam = root(failure(c, new Adam(1e-3)));
            Throwable ours = root(failure(c, o.make()));
            assertEquals(adam.getClass(), ours.getClass(), c + ": " + adam + " vs " + ours);
            assertEquals(adam.getMessage(), ours.getMessage(), c.name);
        }
    }

    static LayerCase vae(IUpdater vaeUpdater) {
        return LayerCases.of("VariationalAutoencoder", InputType.feedForward(6), LayerCases::vectors, () -> {
            VariationalAutoencoder.Builder b = new VariationalAutoencoder.Builder()
                    .encoderLayerSizes(4)
                    .decoderLayerSizes(4)
                    .nOut(2);
            if (vaeUpdater != null) b.updater(vaeUpdater);
            return new Layer[] {new DenseLayer.Builder().nOut(6).build(), b.build(), LayerCases.out()};
        });
    }

    @ParameterizedTest
    @EnumSource(Opt.class)
    void variationalAutoencoderIsRefusedWithItsWorkaround(Opt o) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Optimizers.prepare(vae(null).multiLayer(o.make())));
        assertTrue(
                e.getMessage().contains("pretraining parameter")
                        && e.getMessage().contains("DL4J updater"),
                e.getMessage());
        // the workaround the message names: DL4J Adam on that layer; the other layers keep ours
        MultiLayerNetwork net =
                new MultiLayerNetwork(Optimizers.prepare(vae(new Adam(1e-3)).multiLayer(o.make())));
        net.init();
        DataSet d = LayerCases.vectors();
        for (int i = 0; i < 3; i++) net.fit(d);
        assertTrue(Double.isFinite(net.score(d)));
    }
}
