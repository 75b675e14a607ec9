package org.dl4jopt.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where every parameter's optimizer state starts in the network's single flat updater state array, in DL4J's order
 * (layers in flattening order, parameters in paramTable order, each taking {@code IUpdater.stateSize(n)}). Computed by
 * {@link org.dl4jopt.Optimizers#prepare} for optimizers that exchange per-layer statistics through the state array
 * (LANTON's group maximum), so every copy of the network finds them at the same places.
 */
public final class NetworkStateLayout {
    /** One parameter: its layer, key, the config serving it (null if none of ours) and its state offset. */
    public static final class Entry {
        public final String layer;
        public final String key;
        public final ShapeAwareUpdater config;
        public final long offset;

        public Entry(String layer, String key, ShapeAwareUpdater config, long offset) {
            this.layer = layer;
            this.key = key;
            this.config = config;
            this.offset = offset;
        }
    }

    private final List<Entry> entries;

    public NetworkStateLayout(List<Entry> entries) {
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
    }

    public List<Entry> entries() {
        return entries;
    }
}
