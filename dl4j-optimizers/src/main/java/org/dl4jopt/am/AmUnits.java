package org.dl4jopt.am;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jopt.layout.LayerLayout;

/** The block's beta units (each tensor, or the whole layer) and the beta each parameter used last, for listeners. */
final class AmUnits {
    private final LayerLayout layout;
    private final int[][] units;
    final double[] betas;

    AmUnits(LayerLayout layout, BetaGranularity granularity) {
        this.layout = layout;
        int k = layout.params().size();
        if (granularity == BetaGranularity.PER_LAYER) {
            units = new int[][] {new int[k]};
            for (int i = 0; i < k; i++) units[0][i] = i;
        } else {
            units = new int[k][];
            for (int i = 0; i < k; i++) units[i] = new int[] {i};
        }
        betas = new double[k];
        Arrays.fill(betas, Double.NaN);
    }

    int[][] units() {
        return units;
    }

    /** "key" -> beta of the last step (absent before AM-SGD's second step). */
    Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < betas.length; i++) {
            if (!Double.isNaN(betas[i])) out.put(layout.params().get(i).key(), betas[i]);
        }
        return Collections.unmodifiableMap(out);
    }
}
