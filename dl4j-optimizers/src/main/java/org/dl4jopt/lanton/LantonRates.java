package org.dl4jopt.lanton;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.dl4jopt.core.PerParamValuesListener;

/**
 * Shows what LANTON does: logs each layer's rate factor {@code r} (its learning rate is {@code r} times its group's)
 * every {@code frequency} iterations. {@code net.addListeners(new LantonRates(100))}.
 */
public class LantonRates extends PerParamValuesListener {
    private static final long serialVersionUID = 1L;

    public LantonRates(int frequency) {
        super("LANTON rate factors", frequency);
    }

    /** "layer_key" -> r at the last step. */
    public Map<String, Double> lastRates() {
        return lastValues();
    }

    /** The current rate factors of every LANTON layer of a network. */
    public static Map<String, Double> collect(Model model) {
        return PerParamValuesListener.collect(model);
    }
}
