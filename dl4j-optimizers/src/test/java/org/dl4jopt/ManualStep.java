package org.dl4jopt;

import java.util.Map;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Applies a chosen gradient to a network exactly as DL4J's training step does (updater blocks, their
 * regularization, then {@code params -= update}), so optimizer math can be checked against golden values.
 */
public final class ManualStep {
    private ManualStep() {}

    /** @param grads gradient per "layerIndex_paramKey"; every other parameter gets a zero gradient */
    public static void apply(MultiLayerNetwork net, Map<String, INDArray> grads, int iteration) {
        if (net.getFlattenedGradients() == null) net.initGradientsView();
        INDArray flat = net.getFlattenedGradients();
        flat.assign(0);
        Gradient g = new DefaultGradient(flat);
        for (int i = 0; i < net.getnLayers(); i++) {
            for (Map.Entry<String, INDArray> e : net.getLayer(i)
                    .conf()
                    .getLayer()
                    .initializer()
                    .getGradientsFromFlattened(
                            net.getLayer(i).conf(), net.getLayer(i).getGradientsViewArray())
                    .entrySet()) {
                String key = i + "_" + e.getKey();
                INDArray given = grads.get(i + "_" + e.getKey());
                if (given != null) e.getValue().assign(given);
                g.setGradientFor(key, e.getValue());
            }
        }
        net.getUpdater().update(net, g, iteration, 0, 1, LayerWorkspaceMgr.noWorkspaces());
        net.params().subi(flat.reshape(net.params().shape()));
    }
}
