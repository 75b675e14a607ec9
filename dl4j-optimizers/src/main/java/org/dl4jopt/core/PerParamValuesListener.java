package org.dl4jopt.core;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what {@link PerParamValues} updaters report, as "layer_key" -> value, after every iteration; logs it every
 * {@code frequency} iterations and keeps the last values for {@link #lastValues()}. Serializable, so Spark can ship it
 * to executors with the training master's listeners.
 */
public class PerParamValuesListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(PerParamValuesListener.class);
    private final String what;
    private final int frequency;
    private volatile Map<String, Double> last = Collections.emptyMap();

    public PerParamValuesListener(String what, int frequency) {
        if (frequency < 1) throw new IllegalArgumentException("frequency must be >= 1, got " + frequency);
        this.what = what;
        this.frequency = frequency;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        last = collect(model);
        if (iteration % frequency == 0 && !last.isEmpty()) log.info("{} at iteration {}: {}", what, iteration, last);
    }

    /** "layer_key" -> value at the last step. */
    public Map<String, Double> lastValues() {
        return last;
    }

    /** What every reporting updater of a network says now. */
    public static Map<String, Double> collect(Model model) {
        Updater u = model instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) model).getUpdater(false)
                : model instanceof ComputationGraph ? ((ComputationGraph) model).getUpdater(false) : null;
        Map<String, Double> out = new LinkedHashMap<>();
        if (!(u instanceof BaseMultiLayerUpdater)) return out;
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks()) {
            if (!(b.getGradientUpdater() instanceof PerParamValues)) continue;
            String layer = ((ShapeAwareUpdater) b.getGradientUpdater().getConfig())
                    .requireLayout()
                    .layerName();
            ((PerParamValues) b.getGradientUpdater()).values().forEach((k, v) -> out.put(layer + "_" + k, v));
        }
        return Collections.unmodifiableMap(out);
    }
}
