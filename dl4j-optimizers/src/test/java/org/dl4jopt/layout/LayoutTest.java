package org.dl4jopt.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.NetworkContext;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.muon.Muon;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Which parameters go where, how DL4J forms blocks from prepared configs, and state-size bookkeeping. */
class LayoutTest {

    static MultiLayerConfiguration cnn() {
        return new NeuralNetConfiguration.Builder()
                .seed(1)
                .dataType(DataType.FLOAT)
                .updater(new Muon())
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(4)
                        .activation(Activation.RELU)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(8)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(10, 10, 2))
                .build();
    }

    /** "layer_param" -> role, for every parameter served by a shape-aware config. */
    static Map<String, ParamRole> roles(MultiLayerConfiguration conf) {
        Map<String, ParamRole> out = new LinkedHashMap<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            var layer = conf.getConf(i).getLayer();
            for (String key : layer.initializer().paramKeys(layer)) {
                if (layer.getUpdaterByParam(key) instanceof ShapeAwareUpdater) {
                    ShapeAwareUpdater u = (ShapeAwareUpdater) layer.getUpdaterByParam(key);
                    for (ParamLayout p : u.requireLayout().params()) {
                        if (p.key().equals(key)) out.put(i + "_" + key + (u.usesMatrixRule(p) ? ":M" : ":A"), p.role());
                    }
                }
            }
        }
        return out;
    }

    @Test
    void rolesAndRoutingOfACnn() {
        Map<String, ParamRole> r = roles(Optimizers.prepare(cnn()));
        Map<String, ParamRole> expected = new LinkedHashMap<>();
        expected.put("0_W:A", ParamRole.INPUT_CONV_KERNEL); // first conv: AdamW by default
        expected.put("0_b:A", ParamRole.VECTOR);
        expected.put("1_W:M", ParamRole.CONV_KERNEL);
        expected.put("1_b:A", ParamRole.VECTOR);
        expected.put("2_gamma:A", ParamRole.VECTOR);
        expected.put("2_beta:A", ParamRole.VECTOR);
        for (int l = 3; l <= 5; l++) {
            expected.put(l + "_W:M", ParamRole.HIDDEN_MATRIX);
            expected.put(l + "_b:A", ParamRole.VECTOR);
        }
        expected.put("6_W:A", ParamRole.OUTPUT_HEAD);
        expected.put("6_b:A", ParamRole.VECTOR);
        assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(r));
    }

    @Test
    void conv1WeightHasTheFlattenedConvLayout() {
        MultiLayerConfiguration conf = Optimizers.prepare(cnn());
        ShapeAwareUpdater u = (ShapeAwareUpdater) conf.getConf(1).getLayer().getUpdaterByParam("W");
        ParamLayout w = u.requireLayout().params().get(1);
        assertEquals("W", w.key());
        assertEquals('c', w.order());
        assertEquals(8, w.rows());
        assertEquals(4 * 3 * 3, w.cols());
        ShapeAwareUpdater d = (ShapeAwareUpdater) conf.getConf(3).getLayer().getUpdaterByParam("W");
        ParamLayout dw = d.requireLayout().params().get(0);
        assertEquals('f', dw.order());
        assertEquals(dw.rows(), dw.fanIn());
        assertEquals(16, dw.fanOut());
    }

    @Test
    void everyLayerIsItsOwnBlockAndStateSizesAddUp() {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(cnn()));
        net.init();
        List<UpdaterBlock> blocks = ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks();
        List<String> owners = new ArrayList<>();
        long expectedState = 0;
        for (UpdaterBlock b : blocks) {
            var cfg = b.getGradientUpdater().getConfig();
            if (cfg instanceof NoOp) continue; // BN running mean/var
            ShapeAwareUpdater u = (ShapeAwareUpdater) cfg;
            owners.add(u.requireLayout().layerName());
            assertEquals(
                    u.requireLayout().length(),
                    b.getParamOffsetEnd() - b.getParamOffsetStart(),
                    "block spans exactly the layout's parameters");
            for (ParamLayout p : u.requireLayout().params())
                expectedState += u.usesMatrixRule(p) ? p.length() : 2 * p.length();
            if (u.plan().leader()) expectedState += NetworkContext.HEADER; // the network context
        }
        // the three identical dense layers are NOT merged into one block
        assertEquals(List.of("layer0", "layer1", "layer2", "layer3", "layer4", "layer5", "layer6"), owners);
        assertEquals(expectedState, net.getUpdater().getStateViewArray().length());
        long adamState = 2 * (net.numParams() - 2 * 8); // for comparison: Adam on all but BN mean/var
        assertTrue(expectedState < adamState, "Muon keeps less state than Adam");
    }

    @Test
    void prepareIsIdempotentAndLeavesForeignUpdatersAlone() {
        MultiLayerConfiguration once = Optimizers.prepare(cnn());
        String json = once.toJson();
        assertEquals(json, Optimizers.prepare(once).toJson());
        MultiLayerConfiguration mixed = new NeuralNetConfiguration.Builder()
                .updater(new Muon())
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(4)
                        .nOut(5)
                        .updater(new Adam(1e-3))
                        .build())
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).build())
                .layer(new OutputLayer.Builder().nIn(5).nOut(2).build())
                .build();
        Optimizers.prepare(mixed);
        assertEquals(new Adam(1e-3), mixed.getConf(0).getLayer().getUpdaterByParam("W"));
        ShapeAwareUpdater second =
                (ShapeAwareUpdater) mixed.getConf(1).getLayer().getUpdaterByParam("W");
        assertEquals(0, second.requireLayout().position(), "positions count only shape-aware layers");
        assertEquals(2, second.requireLayout().numPositions());
    }

    @Test
    void frozenLayersAreNotTouched() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .updater(new Muon())
                .list()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(4).nOut(5).build()))
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).build())
                .layer(new OutputLayer.Builder().nIn(5).nOut(2).build())
                .build();
        Optimizers.prepare(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        var frozenInner = ((FrozenLayer) conf.getConf(0).getLayer()).getLayer();
        assertTrue(
                ((ShapeAwareUpdater) ((org.deeplearning4j.nn.conf.layers.BaseLayer) frozenInner).getIUpdater()).layout()
                        == null,
                "frozen layer's inner config is not prepared");
    }

    @Test
    void userOverridesRouting() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .updater(Muon.builder()
                        .fallbackLayers("layer1")
                        .matrixRuleLayers("layer2")
                        .build())
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).build())
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).build())
                .layer(new OutputLayer.Builder().nIn(5).nOut(2).build())
                .build();
        Map<String, ParamRole> r = roles(Optimizers.prepare(conf));
        assertTrue(r.containsKey("0_W:M"));
        assertTrue(r.containsKey("1_W:A"), r.toString());
        assertTrue(r.containsKey("2_W:M"), r.toString());
        assertTrue(r.containsKey("2_b:A"), "vectors never take the matrix rule");
    }

    @Test
    void userWeightDecayAndOptimizerWeightDecayTogetherAreRefused() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .weightDecay(1e-4)
                .updater(Muon.builder().weightDecay(0.01).build())
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).build())
                .layer(new OutputLayer.Builder().nIn(5).nOut(2).build())
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.prepare(conf));
        assertTrue(e.getMessage().contains("decay twice"), e.getMessage());
    }

    @Test
    void sharedInstancesAreReplacedPerLayer() {
        Muon shared = new Muon();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).updater(shared).build())
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).updater(shared).build())
                .layer(new OutputLayer.Builder().nIn(5).nOut(2).updater(shared).build())
                .build();
        Optimizers.prepare(conf);
        assertSame(null, shared.layout(), "the user's instance is not mutated");
        ShapeAwareUpdater a = (ShapeAwareUpdater) conf.getConf(0).getLayer().getUpdaterByParam("W");
        ShapeAwareUpdater b = (ShapeAwareUpdater) conf.getConf(1).getLayer().getUpdaterByParam("W");
        assertEquals("layer0", a.requireLayout().layerName());
        assertEquals("layer1", b.requireLayout().layerName());
    }
}
