package org.dl4jopt.am;

import org.dl4jopt.core.PerParamValuesListener;

/**
 * Shows the adaptive memory at work: logs the beta each AM-SGD / AM-AdamW parameter tensor (or layer) used, every
 * {@code frequency} iterations. {@code net.addListeners(new AmBetas(100))}; {@link #lastValues()} for the numbers.
 */
public class AmBetas extends PerParamValuesListener {
    private static final long serialVersionUID = 1L;

    public AmBetas(int frequency) {
        super("AM betas", frequency);
    }
}
