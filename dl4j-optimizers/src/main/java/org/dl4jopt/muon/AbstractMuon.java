package org.dl4jopt.muon;

import java.util.Objects;
import org.dl4jopt.core.AdamWFallback;
import org.dl4jopt.core.Check;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;

/**
 * Muon's hyperparameters and validation, shared by {@link Muon} and the optimizers built on its step (Drop-Muon);
 * {@link MuonUpdater} applies the rule. One momentum buffer per orthogonalized matrix.
 */
public abstract class AbstractMuon extends ShapeAwareUpdater {
    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_LEARNING_RATE = 0.02;
    public static final double DEFAULT_MOMENTUM = 0.95;
    public static final int DEFAULT_NS_STEPS = 5;
    public static final double DEFAULT_NS_EPSILON = 1e-7;
    /**
     * The AdamW fallback's rate (first convolution, embeddings, head, biases): 1e-3, where FISMO and LANTON keep
     * {@link AdamWFallback#DEFAULT_LEARNING_RATE} 3e-4. Measured (BENCHMARKS.md, "Defaults from measurement"): better
     * than 3e-4 on every seed of both reference models, and every zoo model trains with it.
     */
    public static final double DEFAULT_ADAM_LEARNING_RATE = 1e-3;

    private double momentum = DEFAULT_MOMENTUM;
    private boolean nesterov = true;
    private int nsSteps = DEFAULT_NS_STEPS;
    private double nsEpsilon = DEFAULT_NS_EPSILON;
    private NsCoefficients nsCoefficients = NsCoefficients.JORDAN;
    private ShapeScale shapeScale = ShapeScale.KELLER;
    private boolean flattenedConvScale;

    protected AbstractMuon() {
        this.learningRate = DEFAULT_LEARNING_RATE;
        this.fallback = new AdamWFallback(DEFAULT_ADAM_LEARNING_RATE);
    }

    protected AbstractMuon(AbstractMuon o) {
        super(o);
        this.momentum = o.momentum;
        this.nesterov = o.nesterov;
        this.nsSteps = o.nsSteps;
        this.nsEpsilon = o.nsEpsilon;
        this.nsCoefficients = o.nsCoefficients;
        this.shapeScale = o.shapeScale;
        this.flattenedConvScale = o.flattenedConvScale;
    }

    @Override
    public void validate() {
        super.validate();
        Check.unitInterval(name() + ".momentum", momentum);
        Check.atLeast(name() + ".nsSteps", nsSteps, 1);
        Check.positive(name() + ".nsEpsilon", nsEpsilon); // > 0: an all-zero momentum must not give 0/0
        Objects.requireNonNull(nsCoefficients, name() + ".nsCoefficients");
        Objects.requireNonNull(shapeScale, name() + ".shapeScale");
    }

    /** One momentum buffer {@code M} of the parameter's size. */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        return StateSpec.of("M", p.length());
    }

    public double momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public int nsSteps() {
        return nsSteps;
    }

    public double nsEpsilon() {
        return nsEpsilon;
    }

    public NsCoefficients nsCoefficients() {
        return nsCoefficients;
    }

    public ShapeScale shapeScale() {
        return shapeScale;
    }

    public boolean flattenedConvScale() {
        return flattenedConvScale;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || o.getClass() != getClass()) return false;
        AbstractMuon m = (AbstractMuon) o;
        return baseEquals(m)
                && Double.compare(momentum, m.momentum) == 0
                && nesterov == m.nesterov
                && nsSteps == m.nsSteps
                && Double.compare(nsEpsilon, m.nsEpsilon) == 0
                && nsCoefficients == m.nsCoefficients
                && shapeScale == m.shapeScale
                && flattenedConvScale == m.flattenedConvScale;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                baseHashCode(), momentum, nesterov, nsSteps, nsEpsilon, nsCoefficients, shapeScale, flattenedConvScale);
    }

    @Override
    public String toString() {
        return name() + "(lr=" + learningRate + ", momentum=" + momentum + ", nesterov=" + nesterov + ", ns="
                + nsCoefficients
                + "x" + nsSteps + ", scale=" + shapeScale + ", wd=" + weightDecay + ", fallback=" + fallback
                + (layout == null ? ", unprepared" : ", " + layout) + ")";
    }

    /**
     * Muon's builder methods, shared with optimizers that extend Muon (Drop-Muon): they edit a prototype config whose
     * field initializers are the only place the defaults are written.
     *
     * @param <B> the concrete builder
     * @param <M> the config it builds
     */
    @SuppressWarnings("unchecked")
    public abstract static class Base<B extends Base<B, M>, M extends AbstractMuon>
            extends ShapeAwareUpdater.RoutedBuilder<B> {
        protected final M proto;
        private final AbstractMuon p;

        protected Base(M proto) {
            super(proto.learningRate, proto.fallback().learningRate()); // the defaults, from the no-arg config
            this.proto = proto;
            this.p = proto;
        }

        /** EMA momentum coefficient beta, in [0, 1). */
        public B momentum(double m) {
            p.momentum = m;
            return (B) this;
        }
        /** Nesterov ({@code (1-beta)G + beta M}, default) or plain ({@code M}) momentum. */
        public B nesterov(boolean n) {
            p.nesterov = n;
            return (B) this;
        }

        public B nsSteps(int k) {
            p.nsSteps = k;
            return (B) this;
        }
        /** Additive epsilon of the input normalisation {@code G / (||G||_F + eps)}. */
        public B nsEpsilon(double eps) {
            p.nsEpsilon = eps;
            return (B) this;
        }

        public B nsCoefficients(NsCoefficients c) {
            p.nsCoefficients = c;
            return (B) this;
        }

        public B shapeScale(ShapeScale s) {
            p.shapeScale = s;
            return (B) this;
        }
        /** KELLER scale of conv kernels from the flattened matrix instead of the kernel's kH/kW (spec 1.4 choice). */
        public B flattenedConvScale(boolean f) {
            p.flattenedConvScale = f;
            return (B) this;
        }
    }
}
