package org.dl4jopt.core;

import java.io.Serializable;
import org.nd4j.shade.jackson.annotation.JsonTypeInfo;

/**
 * Decides, from the iteration number alone, whether a layer is updated at that iteration (Drop-Muon's randomized
 * cutoff). A pure function of configuration and iteration, so every copy of a network (clone, restore,
 * ParallelWrapper worker, Spark executor) takes the same decision. When it says no, the layer's updater outputs a zero
 * update and leaves its state untouched, and its decoupled weight decay is skipped too.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, include = JsonTypeInfo.As.PROPERTY, property = "@class")
public interface UpdateGate extends Serializable {
    /** True if the layer is updated at this (0-based) iteration. */
    boolean active(int iteration);
}
