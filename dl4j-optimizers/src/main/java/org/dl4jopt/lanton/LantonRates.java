package org.dl4jopt.lanton;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shows what LANTON does: after every {@code frequency} iterations, logs each layer's rate factor {@code r} (the
 * layer's learning rate is {@code r} times its group's) and keeps them for {@link #lastRates()}.
 * {@code net.addListeners(new LantonRates(100))}.
 */
public class LantonRates extends BaseTrainingListener {
    private static final Logger log = LoggerFactory.getLogger(LantonRates.class);
    private final int frequency;
    private volatile Map<String, Double> last = Collections.emptyMap();

    public LantonRates(int frequency) {
        if (frequency < 1) throw new IllegalArgumentException("frequency must be >= 1, got " + frequency);
        this.frequency = frequency;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        last = collect(model);
        if (iteration % frequency == 0 && !last.isEmpty()) log.info("LANTON rates at iteration {}: {}", iteration, last);
    }

    /** "layer_key" -> r at the last step. */
    public Map<String, Double> lastRates() {
        return last;
    }

    /** The current rate factors of every LANTON layer of a network. */
    public static Map<String, Double> collect(Model model) {
        Updater u = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getUpdater(false)
                : model instanceof ComputationGraph ? ((ComputationGraph) model).getUpdater(false) : null;
        Map<String, Double> out = new LinkedHashMap<>();
        if (!(u instanceof BaseMultiLayerUpdater)) return out;
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks()) {
            if (!(b.getGradientUpdater() instanceof LantonUpdater)) continue;
            LantonUpdater l = (LantonUpdater) b.getGradientUpdater();
            String layer = l.getConfig().requireLayout().layerName();
            l.rates().forEach((k, r) -> out.put(layer + "_" + k, r));
        }
        return Collections.unmodifiableMap(out);
    }
}
