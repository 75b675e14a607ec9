package org.dl4jopt.dropmuon;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.dl4jopt.core.Check;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Draws Drop-Muon's cutoff as a pure function of (seed, iteration): no random state to save, share or keep in step,
 * so every copy of a network (clone, ModelSerializer restore, ParallelWrapper worker, Spark executor) and every layer
 * of it draws the same cutoff at the same iteration. Independent of the data-shuffling RNG.
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class CutoffSampler implements Serializable {
    private static final long serialVersionUID = 1L;

    private final CutoffDistribution distribution;
    private final long seed;
    private final int fixedCutoff;
    private final double[] weights;
    private final double alpha;
    private final long horizon;

    @JsonCreator
    public CutoffSampler(
            @JsonProperty("distribution") CutoffDistribution distribution,
            @JsonProperty("seed") long seed,
            @JsonProperty("fixedCutoff") int fixedCutoff,
            @JsonProperty("weights") double[] weights,
            @JsonProperty("alpha") double alpha,
            @JsonProperty("horizon") long horizon) {
        this.distribution = distribution;
        this.seed = seed;
        this.fixedCutoff = fixedCutoff;
        this.weights = weights == null ? null : weights.clone();
        this.alpha = alpha;
        this.horizon = horizon;
    }

    public static CutoffSampler uniform(long seed) {
        return new CutoffSampler(CutoffDistribution.UNIFORM, seed, 0, null, 0, 0);
    }

    /** Rejects settings that cannot work, naming the field. */
    public void validate(String owner) {
        Objects.requireNonNull(distribution, owner + ".cutoffDistribution");
        switch (distribution) {
            case FIXED:
                Check.atLeast(owner + ".fixedCutoff", fixedCutoff, 0);
                break;
            case WEIGHTS:
                if (weights == null || weights.length == 0) {
                    throw new IllegalArgumentException(owner + ".cutoffWeights must list one weight per block");
                }
                double sum = 0;
                for (double w : weights) {
                    Check.nonNegative(owner + ".cutoffWeights[i]", w);
                    sum += w;
                }
                Check.positive(owner + ".cutoffWeights (sum)", sum);
                break;
            case EPOCH_SHIFT:
                if (!Double.isFinite(alpha))
                    throw new IllegalArgumentException(owner + ".epochShiftAlpha must be finite");
                Check.atLeast(owner + ".epochShiftHorizon", horizon, 1);
                break;
            default:
                break;
        }
    }

    /** The cutoff in {@code [0, numBlocks)} at this iteration: blocks at positions {@code >= cutoff} are updated. */
    public int cutoff(int iteration, int numBlocks) {
        if (numBlocks < 1) throw new IllegalArgumentException("numBlocks must be >= 1, got " + numBlocks);
        switch (distribution) {
            case FIXED:
                return Math.min(fixedCutoff, numBlocks - 1);
            case UNIFORM:
                return Math.min(numBlocks - 1, (int) (draw(iteration) * numBlocks));
            case WEIGHTS:
                if (weights.length != numBlocks) {
                    throw new IllegalStateException("Drop-Muon cutoffWeights has " + weights.length
                            + " entries but the network has " + numBlocks + " blocks (layers with parameters)");
                }
                return inverseCdf(weights, draw(iteration));
            case EPOCH_SHIFT:
                double tau = Math.min(1.0, (double) iteration / horizon);
                double[] w = new double[numBlocks];
                for (int i = 0; i < numBlocks; i++) {
                    w[i] = Math.exp(alpha * ((1 - tau) * (numBlocks - 1 - i) + tau * i));
                }
                return inverseCdf(w, draw(iteration));
            default:
                throw new IllegalStateException("Unknown distribution " + distribution);
        }
    }

    private double draw(int iteration) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (iteration + 1L))).nextDouble();
    }

    private static int inverseCdf(double[] w, double u) {
        double total = 0;
        for (double x : w) total += x;
        double acc = 0;
        for (int i = 0; i < w.length; i++) {
            acc += w[i] / total;
            if (u < acc) return i;
        }
        return w.length - 1;
    }

    public CutoffDistribution distribution() {
        return distribution;
    }

    public long seed() {
        return seed;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof CutoffSampler)) return false;
        CutoffSampler c = (CutoffSampler) o;
        return distribution == c.distribution
                && seed == c.seed
                && fixedCutoff == c.fixedCutoff
                && Arrays.equals(weights, c.weights)
                && Double.compare(alpha, c.alpha) == 0
                && horizon == c.horizon;
    }

    @Override
    public int hashCode() {
        return Objects.hash(distribution, seed, fixedCutoff, Arrays.hashCode(weights), alpha, horizon);
    }

    @Override
    public String toString() {
        return distribution + "(seed " + seed + (distribution == CutoffDistribution.FIXED ? ", s=" + fixedCutoff : "")
                + ")";
    }
}
