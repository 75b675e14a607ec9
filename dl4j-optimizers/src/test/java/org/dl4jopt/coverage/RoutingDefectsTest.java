package org.dl4jopt.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.dl4jopt.Bits;
import org.dl4jopt.Optimizers;
import org.dl4jopt.muon.Muon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The routing defects of issue #15 not already pinned row by row by {@link RoutingTableTest}. */
class RoutingDefectsTest {

    static String role(BaseMultiLayerUpdater<?> u, String layerAndKey) {
        return RoutingTableTest.computed(u).get(layerAndKey)[0];
    }

    static MultiLayerNetwork mln(LayerCase c) {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(c.multiLayer(new Muon())));
        net.init();
        return net;
    }

    /** DL4J runs the wrapped layer's updater on a zeroed gradient: it must be NoOp, and the weights stay exact. */
    @ParameterizedTest
    @EnumSource(Opt.class)
    void frozenLayerWithBackpropKeepsItsWeightsExactly(Opt o) {
        LayerCase c = LayerCases.all().stream()
                .filter(x -> x.name.equals("FrozenLayerWithBackprop"))
                .findFirst()
                .orElseThrow();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(c.multiLayer(o.make())));
        net.init();
        var inner = (org.deeplearning4j.nn.conf.layers.BaseLayer) ((FrozenLayerWithBackprop)
                        net.getLayerWiseConfigurations().getConf(1).getLayer())
                .getUnderlying();
        assertInstanceOf(NoOp.class, inner.getIUpdater());
        assertEquals(List.of(), inner.getRegularization(), "no weight decay on frozen weights");
        INDArray frozen = net.getLayer(1).params().dup();
        INDArray trained = net.getLayer(0).params().dup();
        DataSet d = c.batch.get();
        for (int i = 0; i < 5; i++) net.fit(d);
        Bits.assertIdentical("frozen weights", frozen, net.getLayer(1).params());
        assertEquals(false, Bits.identical(trained, net.getLayer(0).params()), "the layer before it trains");
    }

    /** The first convolution, frozen by either wrapper, is the input one; the next keeps the matrix rule. */
    @Test
    void frozenFirstConvolutionIsStillTheFirst() {
        LayerCase withBackprop = LayerCases.of(
                "FrozenWithBackpropConvolution",
                InputType.convolutional(8, 8, 2),
                LayerCases::images,
                () -> new Layer[] {new FrozenLayerWithBackprop(LayerCases.conv(4)), LayerCases.conv(4), LayerCases.out()
                });
        MultiLayerNetwork net = mln(withBackprop);
        assertEquals("`CONV_KERNEL`, matrix rule", role((BaseMultiLayerUpdater<?>) net.getUpdater(), "layer1/W"));

        // ComputationGraph: TransferLearning's feature extractor freezes the first convolution
        LayerCase conv = LayerCases.all().stream()
                .filter(x -> x.name.equals("Convolution2D"))
                .findFirst()
                .orElseThrow();
        ComputationGraph g = new ComputationGraph(Optimizers.prepare(conv.graph(new Muon())));
        g.init();
        ComputationGraph frozen = Optimizers.prepare(new TransferLearning.GraphBuilder(g)
                .setFeatureExtractor("layer0")
                .build());
        Map<String, String[]> r = RoutingTableTest.computed(frozen.getUpdater());
        assertEquals("DL4J `NoOp`", r.get("layer0/W")[0]);
        assertEquals("`CONV_KERNEL`, matrix rule", r.get("layer1/W")[0]);
        DataSet d = conv.batch.get();
        double first = frozen.score(d);
        for (int i = 0; i < 10; i++) frozen.fit(d);
        assertEquals(true, frozen.score(d) < first);
    }

    /** TinyYOLO style: the 1x1 convolution feeding Yolo2OutputLayer is the output head; a dense layer before LossLayer too. */
    @Test
    void lastWeightsBeforeAParameterFreeLossAreTheHead() {
        LayerCase yolo = LayerCases.of("Yolo", InputType.convolutional(8, 8, 2), LayerCases::images, () -> new Layer[] {
            LayerCases.conv(4),
            LayerCases.conv(4),
            new ConvolutionLayer.Builder(1, 1)
                    .nOut(7)
                    .activation(Activation.IDENTITY)
                    .build(),
            new Yolo2OutputLayer.Builder()
                    .boundingBoxPriors(Nd4j.create(new double[][] {{1, 1}}))
                    .build()
        });
        MultiLayerNetwork net = mln(yolo);
        assertEquals("`OUTPUT_HEAD`, AdamW fallback", role((BaseMultiLayerUpdater<?>) net.getUpdater(), "layer2/W"));
        assertEquals("`CONV_KERNEL`, matrix rule", role((BaseMultiLayerUpdater<?>) net.getUpdater(), "layer1/W"));
        ComputationGraph g = new ComputationGraph(Optimizers.prepare(yolo.graph(new Muon())));
        g.init();
        assertEquals("`OUTPUT_HEAD`, AdamW fallback", role(g.getUpdater(), "layer2/W"));

        LayerCase denseLoss =
                LayerCases.of("DenseLoss", InputType.feedForward(6), LayerCases::vectors, () -> new Layer[] {
                    LayerCases.dense(8),
                    new DenseLayer.Builder()
                            .nOut(LayerCases.CLASSES)
                            .activation(Activation.SOFTMAX)
                            .build(),
                    new LossLayer.Builder(LossFunction.MCXENT)
                            .activation(Activation.IDENTITY)
                            .build()
                });
        MultiLayerNetwork d = mln(denseLoss);
        assertEquals("`HIDDEN_MATRIX`, matrix rule", role((BaseMultiLayerUpdater<?>) d.getUpdater(), "layer0/W"));
        assertEquals("`OUTPUT_HEAD`, AdamW fallback", role((BaseMultiLayerUpdater<?>) d.getUpdater(), "layer1/W"));
    }

    /** In a graph, a convolution that also feeds a weighted layer is not a head, even if another path is free. */
    @Test
    void aBranchThroughWeightsIsNotAHead() {
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .updater(new Muon())
                .graphBuilder()
                .addInputs("in")
                .addLayer("c0", LayerCases.conv(4), "in")
                .addLayer("c1", LayerCases.conv(4), "c0")
                .addLayer("c2", LayerCases.conv(4), "c1")
                .addLayer("pool1", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder().build(), "c1")
                .addLayer("pool2", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder().build(), "c2")
                .addVertex("merge", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "pool1", "pool2")
                .addLayer(
                        "loss",
                        new LossLayer.Builder(LossFunction.MSE)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "merge")
                .setOutputs("loss")
                .setInputTypes(InputType.convolutional(8, 8, 2))
                .build();
        ComputationGraph g = new ComputationGraph(Optimizers.prepare(conf));
        g.init();
        assertEquals("`CONV_KERNEL`, matrix rule", role(g.getUpdater(), "c1/W"), "c1 also feeds c2");
        assertEquals("`OUTPUT_HEAD`, AdamW fallback", role(g.getUpdater(), "c2/W"));
    }
}
