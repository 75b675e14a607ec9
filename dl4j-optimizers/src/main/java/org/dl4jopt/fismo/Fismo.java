package org.dl4jopt.fismo;

import java.util.Objects;
import org.dl4jopt.core.Check;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.NsCoefficients;
import org.dl4jopt.muon.ShapeScale;

/**
 * FISMO: Fisher-Structured Momentum-Orthogonalized optimizer (Xu, Yan, Zhang, arXiv 2601.21750; spec
 * {@code fismo-noise-adaptive.md} section 1). Muon's step inside a Kronecker-factored Fisher trust region
 * {@code ||P^1/2 D Q^1/2||_2 <= lr}, for each hidden weight matrix {@code G} ({@code m x n}, fan-out x fan-in):
 * <pre>
 *   P ~ EMA((1/n) G Q^-1 G^T) + damping,  Q ~ EMA((1/m) G^T P^-1 G) + damping     (trace-normalized: tr P = m, tr Q = n)
 *   M = beta*M + (1-beta) * P^-1/2 G Q^-1/2
 *   W = W(1 - lr*wd) - lr * s(W) * P^-1/2 NS_k(M) Q^-1/2
 * </pre>
 * With {@code P = Q = I} (damping to infinity) it is Muon with plain EMA momentum. A side longer than
 * {@code maxPreconditionedDim} keeps the identity factor (one-sided FISMO, spec 1.5's alternative: a large factor is
 * costly and, estimated from a few samples, badly rank-deficient); a matrix with both sides longer gets the AdamW
 * fallback, like every non-matrix parameter. State per matrix: {@code mn + 3m^2 + 3n^2 + 1} (momentum; factor
 * statistics; cached {@code P^-1, P^-1/2, Q^-1, Q^-1/2}; step count), without the terms of an identity side.
 */
public class Fismo extends ShapeAwareUpdater {
    public static final double DEFAULT_LEARNING_RATE = 0.01; // spec 1.4: half of Muon's

    private double momentum = 0.95;
    private double factorEma = 0.95;
    private double damping = 1e-3;
    private int nsSteps = 5;
    private double nsEpsilon = 1e-7;
    private NsCoefficients nsCoefficients = NsCoefficients.JORDAN;
    private int rootEvery = 1;
    private FactorMode factorMode = FactorMode.RAW_SCALE;
    private ShapeScale shapeScale = ShapeScale.KELLER;
    private boolean graft;
    private int maxPreconditionedDim = 1024;
    private double eigenFloor = 1e-10;

    public Fismo() {
        this.learningRate = DEFAULT_LEARNING_RATE;
    }

    protected Fismo(Fismo o) {
        super(o);
        momentum = o.momentum;
        factorEma = o.factorEma;
        damping = o.damping;
        nsSteps = o.nsSteps;
        nsEpsilon = o.nsEpsilon;
        nsCoefficients = o.nsCoefficients;
        rootEvery = o.rootEvery;
        factorMode = o.factorMode;
        shapeScale = o.shapeScale;
        graft = o.graft;
        maxPreconditionedDim = o.maxPreconditionedDim;
        eigenFloor = o.eigenFloor;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "Fismo";
    }

    @Override
    public void validate() {
        super.validate();
        Check.unitInterval("Fismo.momentum", momentum);
        Check.unitInterval("Fismo.factorEma", factorEma);
        Check.positive("Fismo.damping", damping);
        Check.atLeast("Fismo.nsSteps", nsSteps, 1);
        Check.positive("Fismo.nsEpsilon", nsEpsilon);
        Check.atLeast("Fismo.rootEvery", rootEvery, 1);
        Check.atLeast("Fismo.maxPreconditionedDim", maxPreconditionedDim, 2);
        Check.positive("Fismo.eigenFloor", eigenFloor);
        Objects.requireNonNull(nsCoefficients, "Fismo.nsCoefficients");
        Objects.requireNonNull(factorMode, "Fismo.factorMode");
        Objects.requireNonNull(shapeScale, "Fismo.shapeScale");
    }

    /** Matrices with both sides above {@code maxPreconditionedDim} go to the fallback. */
    @Override
    public boolean usesMatrixRule(ParamLayout p) {
        return super.usesMatrixRule(p) && preconditionable(p);
    }

    /** True if at least one side of the matrix is short enough for a learned factor. */
    public boolean preconditionable(ParamLayout p) {
        return Math.min(p.rows(), p.cols()) <= maxPreconditionedDim;
    }

    /** True if a side of this length gets a learned factor (else the identity). */
    public boolean preconditions(long side) {
        return side <= maxPreconditionedDim;
    }

    /**
     * {@code M} (momentum, m n), per learned side the statistic {@code Sp}/{@code Sq} and the cached roots
     * {@code PInvSqrt, PInv} / {@code QInvSqrt, QInv}, and the step count {@code t}.
     */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        long m = p.order() == 'f' ? p.cols() : p.rows(); // the sides of NewtonSchulz.cView, as the rule
        long n = p.length() / m;
        StateSpec s = StateSpec.of("M", m * n);
        if (preconditions(m)) s = s.then(StateSpec.of("Sp", m * m));
        if (preconditions(n)) s = s.then(StateSpec.of("Sq", n * n));
        if (preconditions(m)) s = s.then(StateSpec.of("PInvSqrt", m * m, "PInv", m * m));
        if (preconditions(n)) s = s.then(StateSpec.of("QInvSqrt", n * n, "QInv", n * n));
        return s.then(StateSpec.of("t", 1));
    }

    @Override
    protected FismoUpdater newUpdater() {
        return new FismoUpdater(this);
    }

    @Override
    public Fismo clone() {
        return new Fismo(this);
    }

    public double momentum() {
        return momentum;
    }

    public double factorEma() {
        return factorEma;
    }

    public double damping() {
        return damping;
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

    public int rootEvery() {
        return rootEvery;
    }

    public FactorMode factorMode() {
        return factorMode;
    }

    public ShapeScale shapeScale() {
        return shapeScale;
    }

    public boolean graft() {
        return graft;
    }

    public double eigenFloor() {
        return eigenFloor;
    }

    public int maxPreconditionedDim() {
        return maxPreconditionedDim;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || o.getClass() != getClass()) return false;
        Fismo f = (Fismo) o;
        return baseEquals(f)
                && Double.compare(momentum, f.momentum) == 0
                && Double.compare(factorEma, f.factorEma) == 0
                && Double.compare(damping, f.damping) == 0
                && nsSteps == f.nsSteps
                && Double.compare(nsEpsilon, f.nsEpsilon) == 0
                && nsCoefficients == f.nsCoefficients
                && rootEvery == f.rootEvery
                && factorMode == f.factorMode
                && shapeScale == f.shapeScale
                && graft == f.graft
                && maxPreconditionedDim == f.maxPreconditionedDim
                && Double.compare(eigenFloor, f.eigenFloor) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                baseHashCode(),
                momentum,
                factorEma,
                damping,
                nsSteps,
                nsEpsilon,
                nsCoefficients,
                rootEvery,
                factorMode,
                shapeScale,
                graft,
                maxPreconditionedDim,
                eigenFloor);
    }

    @Override
    public String toString() {
        return "Fismo(lr=" + learningRate + ", momentum=" + momentum + ", factorEma=" + factorEma + ", damping="
                + damping + ", mode=" + factorMode + ", rootEvery=" + rootEvery + ", wd=" + weightDecay + ", fallback="
                + fallback + (layout == null ? ", unprepared" : ", " + layout) + ")";
    }

    /** Builder with the spec's [C] defaults (section 1.4). */
    public static class Builder extends ShapeAwareUpdater.RoutedBuilder<Builder> {
        private final Fismo f = new Fismo();

        public Builder() {
            super(DEFAULT_LEARNING_RATE);
        }

        /** EMA momentum beta of the whitened gradient (no Nesterov, as the paper), in [0, 1). */
        public Builder momentum(double v) {
            f.momentum = v;
            return this;
        }
        /** EMA coefficient gamma of the Kronecker factor statistics, in [0, 1). */
        public Builder factorEma(double v) {
            f.factorEma = v;
            return this;
        }
        /** Damping mu (relative to the mean eigenvalue in RAW_SCALE mode), > 0. */
        public Builder damping(double v) {
            f.damping = v;
            return this;
        }

        public Builder nsSteps(int v) {
            f.nsSteps = v;
            return this;
        }

        public Builder nsEpsilon(double v) {
            f.nsEpsilon = v;
            return this;
        }

        public Builder nsCoefficients(NsCoefficients v) {
            f.nsCoefficients = v;
            return this;
        }
        /** Eigendecompositions every K steps (statistics still updated every step), >= 1. */
        public Builder rootEvery(int v) {
            f.rootEvery = v;
            return this;
        }

        public Builder factorMode(FactorMode v) {
            f.factorMode = v;
            return this;
        }

        public Builder shapeScale(ShapeScale v) {
            f.shapeScale = v;
            return this;
        }
        /** Rescale the step to the Frobenius norm of the orthogonalized momentum (Shampoo-style grafting). */
        public Builder graft(boolean v) {
            f.graft = v;
            return this;
        }
        /** Longest side that gets a learned factor (longer sides keep the identity), >= 2. */
        public Builder maxPreconditionedDim(int v) {
            f.maxPreconditionedDim = v;
            return this;
        }
        /** Eigenvalue floor relative to the mean eigenvalue. */
        public Builder eigenFloor(double v) {
            f.eigenFloor = v;
            return this;
        }

        public Fismo build() {
            return fill(new Fismo(f));
        }
    }

    /** FISMO trains only FLOAT and DOUBLE networks: prepare refuses HALF and BFLOAT16 (and every other type). */
    @Override
    public void checkDataType(org.nd4j.linalg.api.buffer.DataType type, String layerName) {
        if (type != org.nd4j.linalg.api.buffer.DataType.FLOAT && type != org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
            throw new IllegalArgumentException("FISMO (layer '" + layerName + "') cannot train a " + type + " network:"
                    + " FISMO needs FLOAT or DOUBLE: its Kronecker factors' inverse roots are ill-conditioned in "
                    + "HALF/BFLOAT16; use .dataType(DataType.FLOAT) or Muon.");
        }
    }
}
