package org.dl4jopt.coverage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jopt.Bits;
import org.dl4jopt.Optimizers;
import org.dl4jopt.layout.LinearVertex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Graph-only structure x every optimizer at its defaults: a layer feeding several vertices, subset / element-wise /
 * merge vertices, a SameDiff vertex with parameters, and two output layers (two losses). 20 fits finite and falling,
 * save -> restore -> continue bit-exact.
 */
class GraphVerticesCoverageTest {

    static ComputationGraphConfiguration graph(IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.FLOAT)
                .updater(updater)
                .graphBuilder()
                .addInputs("in")
                .addLayer("d0", LayerCases.dense(8), "in")
                .addVertex("lin", new LinearVertex(8, 8), "d0")
                .addVertex("left", new SubsetVertex(0, 3), "d0")
                .addVertex("right", new SubsetVertex(4, 7), "d0")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "left", "right")
                .addLayer("d1", LayerCases.dense(4), "lin")
                .addVertex("merge", new MergeVertex(), "sum", "d1")
                .addLayer("out1", LayerCases.out(), "merge")
                .addLayer(
                        "out2",
                        new OutputLayer.Builder(LossFunction.MSE)
                                .nOut(2)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "d1")
                .setOutputs("out1", "out2")
                .setInputTypes(InputType.feedForward(6))
                .build();
    }

    @ParameterizedTest
    @EnumSource(Opt.class)
    void severalOutputsAndVertices(Opt o) throws Exception {
        ComputationGraph g = new ComputationGraph(Optimizers.prepare(graph(o.make())));
        g.init();
        INDArray x = LayerCases.gauss(1, 8, 6);
        MultiDataSet d = new MultiDataSet(
                new INDArray[] {x},
                new INDArray[] {LayerCases.oneHot(2, 8, LayerCases.CLASSES), LayerCases.gauss(3, 8, 2)});
        double first = g.score(d);
        for (int i = 0; i < LayerCoverageTest.FITS; i++) g.fit(d);
        double last = g.score(d);
        System.out.printf("COVERAGE Graph-vertices %s GRAPH %.6f%n", o, last / first);
        assertTrue(Double.isFinite(last) && last < first, o + ": loss " + first + " -> " + last);
        ComputationGraph restored =
                ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(CoverageNet.bytes(g)), true);
        for (int i = 0; i < 2; i++) {
            g.fit(d);
            restored.fit(d);
        }
        Bits.assertIdentical(
                o + ": save -> restore -> continue",
                CoverageNet.snapshotOf(g.params(), g.getUpdater().getStateViewArray()),
                CoverageNet.snapshotOf(restored.params(), restored.getUpdater().getStateViewArray()));
    }
}
