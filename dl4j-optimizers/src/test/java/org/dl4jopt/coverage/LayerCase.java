package org.dl4jopt.coverage;

import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One tiny network around a layer kind: a fresh list of layers (configs are mutated by prepare, so each network gets
 * new ones), its input type and a fixed batch. The same chain is built as a MultiLayerNetwork ("layer0", "layer1",
 * ...) and as a ComputationGraph with the same vertex names.
 */
final class LayerCase {
    final String name;
    final Supplier<List<Layer>> layers;
    final InputType inputType;
    final Supplier<DataSet> batch;

    LayerCase(String name, Supplier<List<Layer>> layers, InputType inputType, Supplier<DataSet> batch) {
        this.name = name;
        this.layers = layers;
        this.inputType = inputType;
        this.batch = batch;
    }

    private NeuralNetConfiguration.Builder base(IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.FLOAT)
                .updater(updater);
    }

    MultiLayerConfiguration multiLayer(IUpdater updater) {
        NeuralNetConfiguration.ListBuilder b = base(updater).list();
        List<Layer> ls = layers.get();
        for (Layer l : ls) b.layer(l);
        return b.setInputType(inputType).build();
    }

    ComputationGraphConfiguration graph(IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b =
                base(updater).graphBuilder().addInputs("in");
        String prev = "in";
        List<Layer> ls = layers.get();
        for (int i = 0; i < ls.size(); i++) {
            b.addLayer("layer" + i, ls.get(i), prev);
            prev = "layer" + i;
        }
        return b.setOutputs(prev).setInputTypes(inputType).build();
    }

    @Override
    public String toString() {
        return name;
    }
}
