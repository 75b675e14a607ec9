package org.dl4jopt.core;

import java.util.Map;

/** An updater that reports one number per parameter at the last step (LANTON's rate factor, AM's beta). */
public interface PerParamValues {
    /** Parameter key -> value at the last step; parameters without one are absent. */
    Map<String, Double> values();
}
