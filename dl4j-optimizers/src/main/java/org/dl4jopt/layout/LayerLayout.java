package org.dl4jopt.layout;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The parameters one updater config serves, in DL4J's flattening order, plus the layer's identity: its name and its
 * position among the network's trainable layers (forward order for a MultiLayerNetwork, topological order for a
 * ComputationGraph). Because the identity is part of {@code equals}, DL4J never merges two layers into one updater
 * block, so a block's flat gradient view is always exactly these parameters, contiguous and in this order.
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class LayerLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String layerName;
    private final int position;
    private final int numPositions;
    private final List<ParamLayout> params;

    @JsonCreator
    public LayerLayout(
            @JsonProperty("layerName") String layerName,
            @JsonProperty("position") int position,
            @JsonProperty("numPositions") int numPositions,
            @JsonProperty("params") List<ParamLayout> params) {
        this.layerName = Objects.requireNonNull(layerName, "layerName");
        this.position = position;
        this.numPositions = numPositions;
        this.params = Collections.unmodifiableList(new ArrayList<>(params));
        if (params.isEmpty()) throw new IllegalArgumentException("Layer '" + layerName + "': empty layout");
        if (position < 0 || position >= numPositions) {
            throw new IllegalArgumentException(
                    "Layer '" + layerName + "': position " + position + " not in [0, " + numPositions + ")");
        }
    }

    public String layerName() {
        return layerName;
    }
    /** 0-based index of this layer among the network's layers with trainable parameters. */
    public int position() {
        return position;
    }
    /** Number of layers with trainable parameters in the network. */
    public int numPositions() {
        return numPositions;
    }

    public List<ParamLayout> params() {
        return params;
    }

    /** Total number of parameter elements of the block. */
    public long length() {
        long n = 0;
        for (ParamLayout p : params) n += p.length();
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof LayerLayout)) return false;
        LayerLayout l = (LayerLayout) o;
        return position == l.position
                && numPositions == l.numPositions
                && layerName.equals(l.layerName)
                && params.equals(l.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layerName, position, numPositions, params);
    }

    @Override
    public String toString() {
        return "layer '" + layerName + "' #" + position + "/" + numPositions + " " + params;
    }
}
