package org.dl4jopt.am;

import java.util.List;
import java.util.Objects;
import org.dl4jopt.core.CrossLayerRule;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;

/**
 * AM-SGD (spec onebit-adam-am-momentum.md B.4): momentum whose memory beta is chosen each step in closed form from a
 * two-plane proximal model of the loss, {@code d <- ((beta+lambda) d + (1-beta) g) / (1+lambda)}, {@code W -= lr d}:
 * <pre>
 *   beta = clip( ((1+lambda) r &lt;g,d&gt; - &lt;d-g, g+lambda d&gt;) / ||d-g||^2, 0, betaMax ),   r = lr_{t-1} / lr_t
 * </pre>
 * {@code d_0 = g_0}. With lambda = 0 and beta fixed it is EMA momentum {@code d = beta d + (1-beta) g}. Weight decay is
 * coupled L2 ({@code g += wd W}, DL4J's L2 regularization), as the reference; vectors are exempt.
 */
public class AdaptiveMemorySgd extends AdaptiveMemory {
    private static final long serialVersionUID = 1L;

    /**
     * 0.5, the best rate measured on the reference CNN (BENCHMARKS.md, "Defaults from measurement": 3 seeds, 0.9 to
     * 2.2 points above DL4J Adam, where the reference implementation's 0.1 ends up to 14.5 points below). d is an
     * average of gradients (EMA form), so 0.5 matches SGD-momentum 0.05 at beta 0.9 in the steady state, but
     * {@code d_0 = g_0} makes the first steps 10x the momentum method's: some batch-normalized zoo CNNs produce
     * non-finite gradients at 0.5, and the network step then refuses the step and names the layers. README.md
     * "Defaults and the zoo" lists those models with a rate that trains them.
     */
    public static final double DEFAULT_LEARNING_RATE = 0.5;

    public AdaptiveMemorySgd() {
        this.learningRate = DEFAULT_LEARNING_RATE;
        this.betaMax = 0.9;
        this.granularity = BetaGranularity.GLOBAL;
    }

    protected AdaptiveMemorySgd(AdaptiveMemorySgd o) {
        super(o);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "AdaptiveMemorySgd";
    }

    @Override
    public boolean coupledDecay() {
        return true;
    }

    /**
     * GLOBAL beta needs every layer's gradient before the first layer is updated, but DL4J adds coupled L2 to a
     * layer's gradient only just before that layer's own updater: the two cannot be combined exactly.
     */
    @Override
    public void validate() {
        super.validate();
        if (granularity == BetaGranularity.GLOBAL && weightDecay > 0) {
            throw new IllegalArgumentException("AdaptiveMemorySgd: granularity GLOBAL (the default) cannot be combined "
                    + "with weightDecay " + weightDecay + ": DL4J adds coupled L2 to each layer's gradient just before "
                    + "that layer's updater, after the network-wide beta must be known. Use "
                    + ".granularity(BetaGranularity.PER_TENSOR) or PER_LAYER with weight decay.");
        }
    }

    /**
     * Step count {@code t} (an {@link ExactCounter}), the previous rate {@code lrPrev} (its exact double bits: the
     * rate ratio of a constant rate stays exactly 1 in every data type), the last {@code beta} (for inspection), and
     * the direction {@code d}.
     */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        return StateSpec.of("t", ExactCounter.DIGITS, "lrPrev", ExactCounter.BITS, "beta", 1, "d", p.length());
    }

    @Override
    public String crossLayerRuleKey() {
        return granularity == BetaGranularity.GLOBAL ? "AdaptiveMemorySgd.GLOBAL" : null;
    }

    @Override
    public CrossLayerRule crossLayerRule(List<ShapeAwareUpdater> members) {
        return new AmGlobalBeta(this, members);
    }

    /** True if another config can share this one's global beta (same rule hyperparameters and rates). */
    boolean sharesGlobalBeta(AdaptiveMemorySgd o) {
        return Double.compare(lambda, o.lambda) == 0
                && Double.compare(betaMax, o.betaMax) == 0
                && Double.compare(fixedBeta, o.fixedBeta) == 0
                && Double.compare(learningRate, o.learningRate) == 0
                && java.util.Objects.equals(learningRateSchedule, o.learningRateSchedule);
    }

    @Override
    protected ShapeAwareGradientUpdater<?> newUpdater() {
        return new AmSgdUpdater(this);
    }

    @Override
    public AdaptiveMemorySgd clone() {
        return new AdaptiveMemorySgd(this);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && amEquals((AdaptiveMemorySgd) o);
    }

    @Override
    public int hashCode() {
        return Objects.hash(amHashCode(), 1);
    }

    @Override
    public String toString() {
        return "AdaptiveMemorySgd(lr=" + learningRate + ", lambda=" + lambda + ", betaMax=" + betaMax + ", "
                + granularity + (adaptive() ? "" : ", fixed beta " + fixedBeta) + ", wd=" + weightDecay + ")";
    }

    /** Defaults: lr 0.5, lambda 0.1, betaMax 0.9, one global beta (the reference AM-MSGD). */
    public static class Builder extends AdaptiveMemory.Base<Builder, AdaptiveMemorySgd> {
        public Builder() {
            super(new AdaptiveMemorySgd());
        }

        public AdaptiveMemorySgd build() {
            return fill(new AdaptiveMemorySgd(proto));
        }
    }
}
