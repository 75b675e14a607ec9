package org.dl4jopt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.GraphIndices;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BidirectionalParamInitializer;
import org.dl4jopt.layout.LayoutPlanner;
import org.dl4jopt.layout.OutputHeads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one call that makes this library's optimizers work in a DL4J network: DL4J hands an updater only a flat
 * gradient, so {@code prepare} writes each layer's parameter layout (keys, shapes, memory orders, roles, position)
 * into that layer's updater config, where it travels with the configuration everywhere (JSON, clone, ModelSerializer,
 * ParallelWrapper, Spark). It also installs the configs' decoupled weight decay as DL4J {@code WeightDecay}
 * regularization. Layers with DL4J's own updaters are left alone; calling it twice is harmless.
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().updater(new Muon()) ... .build();
 * MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
 * }</pre>
 */
public final class Optimizers {
    private Optimizers() {}

    /** Prepares every layer of a MultiLayerNetwork configuration; returns the same object. */
    public static MultiLayerConfiguration prepare(MultiLayerConfiguration conf) {
        LayoutPlanner planner = new LayoutPlanner(conf.getDataType());
        List<NeuralNetConfiguration> confs = conf.getConfs();
        int head = -1; // the last layer with parameters: only parameter-free layers lie between it and the loss
        for (int i = 0; i < confs.size(); i++) {
            if (confs.get(i).getLayer().initializer().numParams(confs.get(i)) > 0) head = i;
        }
        for (int i = 0; i < confs.size(); i++) {
            Layer layer = confs.get(i).getLayer();
            String name = layer.getLayerName() != null ? layer.getLayerName() : String.valueOf(i);
            addLayer(planner, name, confs.get(i), layer, i == head);
        }
        planner.apply();
        return conf;
    }

    /** Prepares every layer vertex and SameDiff vertex of a ComputationGraph configuration; returns the same object. */
    public static ComputationGraphConfiguration prepare(ComputationGraphConfiguration conf) {
        LayoutPlanner planner = new LayoutPlanner(conf.getDataType());
        GraphIndices indices = new ComputationGraph(conf).calculateIndices();
        Map<String, GraphVertex> vertices = conf.getVertices();
        Set<String> heads = OutputHeads.of(conf, indices);
        for (int idx : indices.getTopologicalSortOrder()) {
            String name = indices.getIdxToName().get(idx);
            GraphVertex v = vertices.get(name);
            if (v instanceof LayerVertex) {
                NeuralNetConfiguration nnc = ((LayerVertex) v).getLayerConf();
                addLayer(planner, name, nnc, nnc.getLayer(), heads.contains(name));
            } else if (v instanceof SameDiffVertex) {
                SameDiffVertex sd = (SameDiffVertex) v;
                List<LayoutPlanner.Param> params = new ArrayList<>();
                for (Map.Entry<String, long[]> e :
                        sd.getVertexParams().getParamShapes().entrySet()) {
                    params.add(new LayoutPlanner.Param(
                            e.getKey(),
                            e.getValue(),
                            'c',
                            sd.getVertexParams().isBiasParam(e.getKey()),
                            sd.getVertexParams().isWeightParam(e.getKey())));
                }
                planner.add(name, sd, params, false);
            }
        }
        planner.apply();
        return conf;
    }

    /**
     * Prepares an existing network again after its configuration changed, e.g. after DL4J's {@code TransferLearning}
     * (which builds the new network with a fresh updater): re-plans its configuration in place and replaces its updater
     * by a fresh one, so the optimizer state starts anew as it does for DL4J's own updaters there.
     */
    public static MultiLayerNetwork prepare(MultiLayerNetwork net) {
        prepare(net.getLayerWiseConfigurations());
        net.setUpdater(null);
        return net;
    }

    /** As {@link #prepare(MultiLayerNetwork)}, for a ComputationGraph. */
    public static ComputationGraph prepare(ComputationGraph graph) {
        prepare(graph.getConfiguration());
        graph.setUpdater(null);
        return graph;
    }

    /**
     * The layer's parameter views of {@code flat}, keyed as in its paramTable. Bidirectional's own initializer hands
     * the outer configuration to the wrapped layer's initializer, which cannot read it; DL4J's runtime gives each
     * direction a configuration holding the wrapped layer, and so do we.
     */
    private static Map<String, INDArray> views(NeuralNetConfiguration nnc, Layer layer, INDArray flat) {
        if (!(layer instanceof Bidirectional)) return layer.initializer().getGradientsFromFlattened(nnc, flat);
        Layer fwd = ((Bidirectional) layer).getFwd();
        NeuralNetConfiguration inner = nnc.clone();
        inner.setLayer(fwd);
        long half = flat.length() / 2;
        INDArray f = flat.reshape(flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : fwd.initializer()
                .getGradientsFromFlattened(inner, f.get(NDArrayIndex.interval(0, half)))
                .entrySet()) {
            out.put(BidirectionalParamInitializer.FORWARD_PREFIX + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, INDArray> e : fwd.initializer()
                .getGradientsFromFlattened(inner, f.get(NDArrayIndex.interval(half, 2 * half)))
                .entrySet()) {
            out.put(BidirectionalParamInitializer.BACKWARD_PREFIX + e.getKey(), e.getValue());
        }
        return out;
    }

    private static void addLayer(
            LayoutPlanner planner, String name, NeuralNetConfiguration nnc, Layer layer, boolean head) {
        ParamInitializer init = layer.initializer();
        long n = init.numParams(nnc);
        if (n == 0) return;
        // Shapes and orders exactly as the layer will view its slice of the flat parameter vector.
        INDArray flat = Nd4j.create(DataType.FLOAT, 1, n);
        Map<String, INDArray> views = views(nnc, layer, flat);
        List<Map.Entry<String, INDArray>> ordered = new ArrayList<>(views.entrySet());
        ordered.sort(Comparator.comparingLong(e -> e.getValue().offset()));
        List<LayoutPlanner.Param> params = new ArrayList<>();
        // Wrappers' initializers do not classify keys (Bidirectional's keys are prefixed, FrozenLayer's and
        // FrozenLayerWithBackprop's initializers call every key neither weight nor bias): ask the innermost layer's
        Layer owner = innermost(layer);
        for (Map.Entry<String, INDArray> e : ordered) {
            INDArray v = e.getValue();
            String key = layer instanceof Bidirectional ? e.getKey().substring(1) : e.getKey();
            params.add(new LayoutPlanner.Param(
                    e.getKey(),
                    v.shape(),
                    v.ordering(),
                    owner.initializer().isBiasParam(owner, key),
                    owner.initializer().isWeightParam(owner, key)));
        }
        planner.add(name, updaterOwner(layer), params, head);
    }

    /** The layer inside any frozen, Bidirectional or other wrapper layers. */
    private static Layer innermost(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof Bidirectional) l = ((Bidirectional) l).getFwd();
            else if (l instanceof FrozenLayer) l = ((FrozenLayer) l).getLayer();
            else if (l instanceof BaseWrapperLayer) l = ((BaseWrapperLayer) l).getUnderlying();
            else return l;
        }
    }

    /**
     * The configuration DL4J asks for a layer's updaters: wrappers such as LastTimeStep, TimeDistributed and
     * MaskZeroLayer answer with the wrapped layer's (their runtime layer returns {@code underlying.getConfig()});
     * FrozenLayerWithBackprop's configuration answers null, but its runtime layer too hands DL4J the wrapped layer's
     * configuration, so the planner sets the wrapped layer's updaters of ours to NoOp (frozen weights stay exact).
     */
    private static TrainingConfig updaterOwner(Layer layer) {
        Layer l = layer;
        while (l instanceof BaseWrapperLayer && !(l instanceof FrozenLayerWithBackprop)) {
            l = ((BaseWrapperLayer) l).getUnderlying();
        }
        return l;
    }
}
