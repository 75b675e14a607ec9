package org.dl4jopt.am;

import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.layout.ParamLayout;

import java.util.Objects;

/**
 * AM-SGD (spec onebit-adam-am-momentum.md B.4): momentum whose memory beta is chosen each step in closed form from a
 * two-plane proximal model of the loss, {@code d <- ((beta+lambda) d + (1-beta) g) / (1+lambda)}, {@code W -= lr d}:
 * <pre>
 *   beta = clip( ((1+lambda) r <g,d> - <d-g, g+lambda d>) / ||d-g||^2, 0, betaMax ),   r = lr_{t-1} / lr_t
 * </pre>
 * {@code d_0 = g_0}. With lambda = 0 and beta fixed it is EMA momentum {@code d = beta d + (1-beta) g}. Weight decay is
 * coupled L2 ({@code g += wd W}, DL4J's L2 regularization), as the reference; vectors are exempt.
 */
public class AdaptiveMemorySgd extends AdaptiveMemory {
    /**
     * 0.5: d is an average of gradients (EMA form), not PyTorch's undampened sum, so SGD-momentum's rate (0.05 with
     * beta 0.9 here) corresponds to 0.05 / (1 - 0.9) = 0.5 (spec B.4).
     */
    public static final double DEFAULT_LEARNING_RATE = 0.5;
    static final int SCALARS = 3;   // t, lr of the previous step, last beta

    public AdaptiveMemorySgd() {
        this.learningRate = DEFAULT_LEARNING_RATE;
        this.betaMax = 0.9;
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

    @Override
    protected long matrixStateSize(ParamLayout p) {
        return SCALARS + p.length();
    }

    @Override
    protected ShapeAwareGradientUpdater<?> newUpdater() {
        return new AdaptiveMemoryUpdater(this, false);
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

    /** Defaults: lr 0.5, lambda 0.1, betaMax 0.9, per-tensor beta. */
    public static class Builder extends AdaptiveMemory.Base<Builder, AdaptiveMemorySgd> {
        public Builder() {
            super(new AdaptiveMemorySgd());
        }

        public AdaptiveMemorySgd build() {
            return fill(new AdaptiveMemorySgd(proto));
        }
    }
}
