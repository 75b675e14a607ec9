package org.dl4jopt.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.testmodels.SyntheticData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Wrapper layers (Bidirectional, LastTimeStep) and a user SameDiff vertex: layouts, training, JSON. */
class WrappersAndVerticesTest {

    static List<String> describe(ShapeAwareUpdater u) {
        List<String> out = new ArrayList<>();
        for (ParamLayout p : u.requireLayout().params()) {
            out.add(p.key() + ":" + p.role() + ":" + p.rows() + "x" + p.cols() + ":"
                    + (u.usesMatrixRule(p) ? "M" : "A"));
        }
        return out;
    }

    @Test
    void bidirectionalAndLastTimeStepLstm() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(4)
                .dataType(DataType.FLOAT)
                .updater(
                        Muon.builder().learningRate(0.02).adamLearningRate(3e-3).build())
                .list()
                .layer(new Bidirectional(new LSTM.Builder()
                        .nIn(4)
                        .nOut(6)
                        .activation(Activation.TANH)
                        .build()))
                .layer(new LastTimeStep(new LSTM.Builder()
                        .nIn(12)
                        .nOut(6)
                        .activation(Activation.TANH)
                        .build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(6)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        Optimizers.prepare(conf);
        ShapeAwareUpdater bi = (ShapeAwareUpdater) conf.getConf(0).getLayer().getUpdaterByParam("fW");
        assertEquals(
                List.of(
                        "fW:HIDDEN_MATRIX:4x24:M",
                        "fRW:HIDDEN_MATRIX:6x24:M",
                        "fb:VECTOR:1x24:A",
                        "bW:HIDDEN_MATRIX:4x24:M",
                        "bRW:HIDDEN_MATRIX:6x24:M",
                        "bb:VECTOR:1x24:A"),
                describe(bi));
        ShapeAwareUpdater last = (ShapeAwareUpdater)
                ((LastTimeStep) conf.getConf(1).getLayer()).getUnderlying().getUpdaterByParam("W");
        assertEquals(List.of("W:HIDDEN_MATRIX:12x24:M", "RW:HIDDEN_MATRIX:6x24:M", "b:VECTOR:1x24:A"), describe(last));
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        NoisyRuns.attach(net);
        List<DataSet> data = SyntheticData.sequences(256, 4, 5, 3, 8).batchBy(32);
        double first = net.score(data.get(0));
        for (int e = 0; e < 5; e++) for (DataSet d : data) net.fit(d);
        double last2 = net.score(data.get(0));
        NoisyRuns.record("bidirectional-lstm", last2 / first);
        // 3 runs with 1e-6 relative gradient noise (NoisyRuns): 0.478x
        assertTrue(last2 < 0.7 * first, "loss " + first + " -> " + last2);
    }

    @Test
    void sameDiffVertexInAGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .updater(
                        Muon.builder().learningRate(0.02).adamLearningRate(3e-3).build())
                .graphBuilder()
                .addInputs("in")
                .addVertex("lin", new LinearVertex(8, 16), "in")
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nIn(16)
                                .nOut(16)
                                .activation(Activation.TANH)
                                .build(),
                        "lin")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nIn(16)
                                .nOut(3)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "dense")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(8))
                .build();
        Optimizers.prepare(conf);
        LinearVertex v = (LinearVertex) conf.getVertices().get("lin");
        ShapeAwareUpdater u = (ShapeAwareUpdater) v.getUpdaterByParam("W");
        assertEquals(List.of("W:HIDDEN_MATRIX:8x16:M", "b:VECTOR:1x16:A"), describe(u));
        assertEquals(0, u.requireLayout().position(), "topological position");
        assertEquals(3, u.requireLayout().numPositions());
        // (SameDiffVertex's Lombok equals sees its lazily created vertexParams field, so compare the JSON text)
        assertEquals(
                conf.toJson(),
                ComputationGraphConfiguration.fromJson(conf.toJson()).toJson());

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        NoisyRuns.attach(net);
        List<DataSet> data = SyntheticData.vectors(512, 8, 3, 6).batchBy(64);
        double first = net.score(data.get(0));
        for (int e = 0; e < 8; e++) for (DataSet d : data) net.fit(d);
        double last = net.score(data.get(0));
        NoisyRuns.record("samediff-vertex", last / first);
        // 3 runs with 1e-6 relative gradient noise: 0.0317x
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }
}
