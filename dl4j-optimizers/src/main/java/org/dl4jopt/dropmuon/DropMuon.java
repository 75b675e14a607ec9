package org.dl4jopt.dropmuon;

import java.util.Objects;
import org.dl4jopt.core.UpdateGate;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.muon.AbstractMuon;
import org.dl4jopt.muon.Muon;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * Drop-Muon (Gruntkowska, Maziane, Qu, Richtárik, "Drop-Muon: Update Less, Converge Faster", arXiv 2510.02239; spec
 * {@code muon-dropmuon.md} section 2): randomized progressive training. Each iteration draws a cutoff {@code s} and
 * updates only the blocks {@code s..b-1} (the layers nearest the output) with Muon's step; the blocks below keep their
 * weights, momentum and AdamW moments unchanged (no decay either). A block is one layer with parameters, in forward
 * (MultiLayerNetwork) or topological (ComputationGraph) order, as numbered by {@link org.dl4jopt.Optimizers#prepare}.
 * With the cutoff fixed at 0 it is exactly {@link Muon}.
 *
 * <p>To also skip the backward pass below the cutoff (the wall-clock saving) add {@link DropMuonBackprop} to a
 * MultiLayerNetwork's listeners; without it training is identical, only slower (a warning says so once).
 */
public class DropMuon extends AbstractMuon {
    private static final long serialVersionUID = 1L;

    private CutoffSampler cutoff = CutoffSampler.uniform(0);
    /** Set at run time by {@link DropMuonBackprop} on the network's own config instances; not configuration. */
    @JsonIgnore
    private transient volatile boolean backpropTruncated;

    public DropMuon() {}

    protected DropMuon(DropMuon o) {
        super(o);
        this.cutoff = o.cutoff;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "DropMuon";
    }

    @Override
    public void validate() {
        super.validate();
        Objects.requireNonNull(cutoff, "DropMuon.cutoff").validate("DropMuon");
    }

    /** The layer is updated at iterations where its position is at or above the cutoff. */
    @Override
    public UpdateGate updateGate() {
        LayerLayout l = requireLayout();
        return new LayerCutoffGate(cutoff, l.position(), l.numPositions());
    }

    /** A layer below the cutoff gets no update: its AdamW fallback counts the updates it received. */
    @Override
    protected boolean countsFallbackUpdates() {
        return true;
    }

    public CutoffSampler cutoff() {
        return cutoff;
    }

    /** Called by {@link DropMuonBackprop} when it truncates this network's backward pass. */
    void markBackpropTruncated() {
        backpropTruncated = true;
    }

    boolean backpropTruncated() {
        return backpropTruncated;
    }

    @Override
    protected DropMuonUpdater newUpdater() {
        return new DropMuonUpdater(this);
    }

    @Override
    public DropMuon clone() {
        return new DropMuon(this);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && cutoff.equals(((DropMuon) o).cutoff);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + cutoff.hashCode();
    }

    @Override
    public String toString() {
        return "Drop" + super.toString() + "[cutoff " + cutoff + "]";
    }

    /** Muon's builder plus the cutoff distribution (uniform, seed 0, by default). */
    public static class Builder extends AbstractMuon.Base<Builder, DropMuon> {
        private CutoffDistribution distribution = CutoffDistribution.UNIFORM;
        private long seed;
        private int fixedCutoff;
        private double[] weights;
        private double alpha = 0.5;
        private long horizon;

        public Builder() {
            super(new DropMuon());
        }

        /** Seed of the cutoff draws (independent of data shuffling). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }
        /** Uniform cutoff over the blocks (default). */
        public Builder uniformCutoff() {
            this.distribution = CutoffDistribution.UNIFORM;
            return this;
        }
        /** Always cutoff {@code s} (0 = plain Muon; numBlocks-1 = only the last layer). */
        public Builder fixedCutoff(int s) {
            this.distribution = CutoffDistribution.FIXED;
            this.fixedCutoff = s;
            return this;
        }
        /** Cutoff drawn with these probabilities, one per block, input to output (normalized). */
        public Builder cutoffWeights(double... w) {
            this.distribution = CutoffDistribution.WEIGHTS;
            this.weights = w.clone();
            return this;
        }
        /** Experimental epoch-shift law (not from the paper) with strength {@code alpha} over {@code horizon} iterations. */
        public Builder epochShift(double alpha, long horizonIterations) {
            this.distribution = CutoffDistribution.EPOCH_SHIFT;
            this.alpha = alpha;
            this.horizon = horizonIterations;
            return this;
        }

        public DropMuon build() {
            DropMuon d = new DropMuon(proto);
            d.cutoff = new CutoffSampler(distribution, seed, fixedCutoff, weights, alpha, horizon);
            return fill(d);
        }
    }
}
