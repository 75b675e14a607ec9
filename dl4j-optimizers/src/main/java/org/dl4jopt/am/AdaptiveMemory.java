package org.dl4jopt.am;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import org.dl4jopt.core.Check;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;

/**
 * Hyperparameters shared by AM-SGD and AM-AdamW (Topollai and Choromanska, "Adaptive Memory Momentum via a
 * Model-Based Framework for Deep Learning Optimization", arXiv 2510.04988; spec onebit-adam-am-momentum.md Part B):
 * the proximal weight {@code lambda}, the beta cap, the granularity of beta, and the option to fix beta (the
 * adaptive rule off) for comparisons. AM applies to every trainable parameter; weight decay exempts vectors.
 */
public abstract class AdaptiveMemory extends ShapeAwareUpdater {
    private static final long serialVersionUID = 1L;

    protected double lambda = 0.1;
    protected double betaMax;
    protected BetaGranularity granularity = BetaGranularity.PER_TENSOR;
    /** NaN: adaptive beta; a value: beta fixed (the adaptive rule disabled). */
    protected double fixedBeta = Double.NaN;

    protected AdaptiveMemory() {}

    protected AdaptiveMemory(AdaptiveMemory o) {
        super(o);
        lambda = o.lambda;
        betaMax = o.betaMax;
        granularity = o.granularity;
        fixedBeta = o.fixedBeta;
    }

    @Override
    public void validate() {
        super.validate();
        Check.nonNegative(name() + ".lambda", lambda);
        if (!(betaMax >= 0 && betaMax < 1)) { // beta = 1 would keep d forever and never use a gradient
            throw new IllegalArgumentException(name() + ".betaMax must be in [0, 1), got " + betaMax);
        }
        if (!Double.isNaN(fixedBeta) && !(fixedBeta >= 0 && fixedBeta < 1)) {
            throw new IllegalArgumentException(name() + ".fixedBeta must be in [0, 1), got " + fixedBeta);
        }
        Objects.requireNonNull(granularity, name() + ".granularity");
    }

    /** No AdamW fallback: AM-SGD has no second moment; AM-AdamW declares its own epsilon. */
    @Override
    protected Map<String, Double> halfSensitiveEpsilons() {
        return Collections.emptyMap();
    }

    /** AM updates every parameter (no AdamW fallback). */
    @Override
    public boolean usesMatrixRule(ParamLayout p) {
        return true;
    }

    /** Weight decay exempts vectors (biases, norm gains), as the reference (spec B.6). */
    @Override
    public double decayCoefficient(ParamLayout p) {
        return p.role() == ParamRole.VECTOR ? 0 : weightDecay;
    }

    /** The beta of a unit whose adaptive rule is off ({@link #fixedBeta}), else the clipped closed form. */
    double cap() {
        return adaptive() ? betaMax : fixedBeta;
    }

    public double lambda() {
        return lambda;
    }

    public double betaMax() {
        return betaMax;
    }

    public BetaGranularity granularity() {
        return granularity;
    }

    public boolean adaptive() {
        return Double.isNaN(fixedBeta);
    }

    public double fixedBeta() {
        return fixedBeta;
    }

    protected boolean amEquals(AdaptiveMemory o) {
        return baseEquals(o)
                && Double.compare(lambda, o.lambda) == 0
                && Double.compare(betaMax, o.betaMax) == 0
                && granularity == o.granularity
                && Double.compare(fixedBeta, o.fixedBeta) == 0;
    }

    protected int amHashCode() {
        return Objects.hash(baseHashCode(), lambda, betaMax, granularity, fixedBeta);
    }

    /**
     * Builder methods of both AM optimizers; they edit a prototype config (defaults written once, on the config).
     *
     * @param <B> the concrete builder
     * @param <A> the config it builds
     */
    @SuppressWarnings("unchecked")
    public abstract static class Base<B extends Base<B, A>, A extends AdaptiveMemory>
            extends ShapeAwareUpdater.Builder<B> {
        protected final A proto;
        private final AdaptiveMemory p;

        protected Base(A proto) {
            super(proto.learningRate);
            this.proto = proto;
            this.p = proto;
        }

        /** Weight of the proximal pull toward the old direction (default 0.1, "no tuning"). */
        public B lambda(double v) {
            p.lambda = v;
            return (B) this;
        }
        /** Cap of the adaptive beta, in [0, 1]. */
        public B betaMax(double v) {
            p.betaMax = v;
            return (B) this;
        }

        public B granularity(BetaGranularity g) {
            p.granularity = g;
            return (B) this;
        }
        /** Disables the adaptive rule: beta fixed at this value (for comparisons with plain momentum / AdamW). */
        public B fixedBeta(double v) {
            p.fixedBeta = v;
            return (B) this;
        }
    }
}
