package org.dl4jopt;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A layer's optimizer state by declared name ({@code "W_M"}, {@code "b_V"}, ...), as the updater's getState() gives it. */
public final class NamedState {
    private NamedState() {}

    /** Live views of the named state pieces of the block of ours serving {@code layer}. */
    public static Map<String, INDArray> of(Model net, String layer) {
        Updater u = net instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) net).getUpdater()
                : ((ComputationGraph) net).getUpdater();
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks()) {
            Object cfg = b.getGradientUpdater().getConfig();
            if (cfg instanceof ShapeAwareUpdater
                    && ((ShapeAwareUpdater) cfg).requireLayout().layerName().equals(layer)) {
                @SuppressWarnings("unchecked")
                Map<String, INDArray> s = b.getGradientUpdater().getState();
                return s;
            }
        }
        throw new IllegalArgumentException("no block of ours serves layer '" + layer + "'");
    }

    /** One named piece, e.g. {@code get(net, "layer0", "W_M")}. */
    public static INDArray get(Model net, String layer, String piece) {
        INDArray a = of(net, layer).get(piece);
        if (a == null)
            throw new IllegalArgumentException("layer '" + layer + "' has no state '" + piece + "': "
                    + of(net, layer).keySet());
        return a;
    }
}
