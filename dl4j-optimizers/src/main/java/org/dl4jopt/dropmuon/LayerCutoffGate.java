package org.dl4jopt.dropmuon;

import java.util.Objects;
import org.dl4jopt.core.UpdateGate;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/** A layer at {@code position} of {@code numBlocks} is updated when {@code position >= cutoff(iteration)}. */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class LayerCutoffGate implements UpdateGate {
    private static final long serialVersionUID = 1L;

    private final CutoffSampler sampler;
    private final int position;
    private final int numBlocks;

    @JsonCreator
    public LayerCutoffGate(
            @JsonProperty("sampler") CutoffSampler sampler,
            @JsonProperty("position") int position,
            @JsonProperty("numBlocks") int numBlocks) {
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.position = position;
        this.numBlocks = numBlocks;
    }

    @Override
    public boolean active(int iteration) {
        return position >= sampler.cutoff(iteration, numBlocks);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LayerCutoffGate)) return false;
        LayerCutoffGate g = (LayerCutoffGate) o;
        return position == g.position && numBlocks == g.numBlocks && sampler.equals(g.sampler);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sampler, position, numBlocks);
    }
}
