package org.dl4jopt.core;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Where one updater block sits in the network, written by {@link org.dl4jopt.Optimizers#prepare} into every config
 * of this library: the offsets of its parameters in the network's flat gradient and of its state in the network's
 * flat updater state, and where the per-iteration network context lives (at the start of the <em>leader</em>'s state:
 * the leader is the first block of ours in DL4J's block order, which is the parameter-flattening order). The leader's
 * plan also lists every member block (its config and offsets) and every layer's parameter range, so that it can
 * compute the iteration's network context from the whole flat gradient and state ({@link NetworkStep}).
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class NetworkPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A block served by one of our configs: the config (without a plan), its parameter and state offsets. */
    @JsonAutoDetect(
            fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    public static final class Member implements Serializable {
        private static final long serialVersionUID = 1L;
        private final ShapeAwareUpdater config;
        private final long paramOffset;
        private final long stateOffset;
        private final int ruleSlot;

        @JsonCreator
        public Member(
                @JsonProperty("config") ShapeAwareUpdater config,
                @JsonProperty("paramOffset") long paramOffset,
                @JsonProperty("stateOffset") long stateOffset,
                @JsonProperty("ruleSlot") int ruleSlot) {
            this.config = Objects.requireNonNull(config, "config");
            this.paramOffset = paramOffset;
            this.stateOffset = stateOffset;
            this.ruleSlot = ruleSlot;
        }

        public ShapeAwareUpdater config() {
            return config;
        }

        public long paramOffset() {
            return paramOffset;
        }

        public long stateOffset() {
            return stateOffset;
        }
        /** First context slot of the member's cross-layer rule, or -1. */
        public int ruleSlot() {
            return ruleSlot;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Member)) return false;
            Member m = (Member) o;
            return paramOffset == m.paramOffset
                    && stateOffset == m.stateOffset
                    && ruleSlot == m.ruleSlot
                    && config.equals(m.config);
        }

        @Override
        public int hashCode() {
            return Objects.hash(config, paramOffset, stateOffset, ruleSlot);
        }
    }

    /** A layer's parameter range in the flat gradient (every layer with parameters, ours or not). */
    @JsonAutoDetect(
            fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    public static final class LayerRange implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final long offset;
        private final long length;

        @JsonCreator
        public LayerRange(
                @JsonProperty("name") String name,
                @JsonProperty("offset") long offset,
                @JsonProperty("length") long length) {
            this.name = name;
            this.offset = offset;
            this.length = length;
        }

        public String name() {
            return name;
        }

        public long offset() {
            return offset;
        }

        public long length() {
            return length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LayerRange
                    && name.equals(((LayerRange) o).name)
                    && offset == ((LayerRange) o).offset
                    && length == ((LayerRange) o).length;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, offset, length);
        }
    }

    private final long paramOffset;
    private final long stateOffset;
    private final long contextOffset;
    private final int contextSize;
    private final int ruleSlot;
    private final long numParams;
    private final long stateLength;
    private final List<Member> members;
    private final List<LayerRange> layers;

    @JsonCreator
    public NetworkPlan(
            @JsonProperty("paramOffset") long paramOffset,
            @JsonProperty("stateOffset") long stateOffset,
            @JsonProperty("contextOffset") long contextOffset,
            @JsonProperty("contextSize") int contextSize,
            @JsonProperty("ruleSlot") int ruleSlot,
            @JsonProperty("numParams") long numParams,
            @JsonProperty("stateLength") long stateLength,
            @JsonProperty("members") List<Member> members,
            @JsonProperty("layers") List<LayerRange> layers) {
        this.paramOffset = paramOffset;
        this.stateOffset = stateOffset;
        this.contextOffset = contextOffset;
        this.contextSize = contextSize;
        this.ruleSlot = ruleSlot;
        this.numParams = numParams;
        this.stateLength = stateLength;
        this.members =
                members == null ? Collections.emptyList() : Collections.unmodifiableList(new ArrayList<>(members));
        this.layers = layers == null ? Collections.emptyList() : Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /** True for the block that computes the network context of every iteration. */
    public boolean leader() {
        return !members.isEmpty();
    }
    /** Offset of this block's first parameter in the network's flat parameter/gradient vector. */
    public long paramOffset() {
        return paramOffset;
    }
    /** Offset of this block's state in the network's flat updater state. */
    public long stateOffset() {
        return stateOffset;
    }
    /** Offset of the network context in the network's flat updater state. */
    public long contextOffset() {
        return contextOffset;
    }
    /** Number of state elements of the network context ({@link NetworkContext}). */
    public int contextSize() {
        return contextSize;
    }
    /** First context slot of this block's cross-layer rule, or -1. */
    public int ruleSlot() {
        return ruleSlot;
    }
    /** Length of the network's flat gradient. */
    public long numParams() {
        return numParams;
    }
    /** Length of the network's flat updater state. */
    public long stateLength() {
        return stateLength;
    }
    /** Leader only: every block of ours, in DL4J's block order (the leader first). */
    public List<Member> members() {
        return members;
    }
    /** Leader only: every layer with parameters, in flattening order. */
    public List<LayerRange> layers() {
        return layers;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NetworkPlan)) return false;
        NetworkPlan p = (NetworkPlan) o;
        return paramOffset == p.paramOffset
                && stateOffset == p.stateOffset
                && contextOffset == p.contextOffset
                && contextSize == p.contextSize
                && ruleSlot == p.ruleSlot
                && numParams == p.numParams
                && stateLength == p.stateLength
                && members.equals(p.members)
                && layers.equals(p.layers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                paramOffset,
                stateOffset,
                contextOffset,
                contextSize,
                ruleSlot,
                numParams,
                stateLength,
                members,
                layers);
    }

    @Override
    public String toString() {
        return "plan(params@" + paramOffset + ", state@" + stateOffset + ", context@" + contextOffset
                + (leader() ? ", leader of " + members.size() : "") + ")";
    }
}
