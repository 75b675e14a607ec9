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
 * With {@code P = Q = I} (damping to infinity) it is Muon with plain EMA momentum. In the default RAW_SCALE mode the
 * statistics are stored trace-normalized with their log scale (nothing underflows or overflows in float), the factor
 * is damped by {@code mu} times its own mean eigenvalue, and every step obeys {@link #stepBound}:
 * {@code ||dW||_2 <= lr * s * kappa * ((1 + mu) / mu)} for a matrix with two learned sides. A side longer than
 * {@code maxPreconditionedDim} keeps the identity factor (one-sided FISMO, spec 1.5's alternative: a large factor is
 * costly and, estimated from a few samples, badly rank-deficient); a matrix with both sides longer gets the AdamW
 * fallback, like every non-matrix parameter. State per matrix: {@code mn + 3m^2 + 3n^2 + 3} (momentum; factor
 * statistics; cached {@code P^-1, P^-1/2, Q^-1, Q^-1/2}; in RAW_SCALE the two log scales; step count), without the
 * terms of an identity side.
 */
public class Fismo extends ShapeAwareUpdater {
    private static final long serialVersionUID = 1L;

    /**
     * A quarter of Muon's rate, from measurement (BENCHMARKS.md, "Defaults from measurement"): on the character
     * transformer 0.01 diverged on one seed of three and 0.02 on the first; 0.005 trained every seed and every zoo
     * model that 0.01 trained.
     */
    public static final double DEFAULT_LEARNING_RATE = 0.005;

    private double momentum = 0.95;
    private double factorEma = 0.95;
    private double damping = 1e-2; // spec 1.4 sweeps 1e-4..1e-2; 1e-3 failed on Xception and the transformer
    private int nsSteps = 5;
    private double nsEpsilon = 1e-7;
    private NsCoefficients nsCoefficients = NsCoefficients.JORDAN;
    private int rootEvery = 1;
    private FactorMode factorMode = FactorMode.RAW_SCALE;
    private ShapeScale shapeScale = ShapeScale.KELLER;
    private boolean graft; // the paper's step; see Builder#graft
    private int maxPreconditionedDim = 1024;
    private double eigenFloor = 1e-10;
    private double factorSpikeClip = 4;

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
        factorSpikeClip = o.factorSpikeClip;
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
        if (!(factorSpikeClip >= 1) || !Double.isFinite(factorSpikeClip)) {
            throw new IllegalArgumentException(
                    "Fismo.factorSpikeClip must be a finite value >= 1, got " + factorSpikeClip);
        }
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
     * {@code PInvSqrt, PInv} / {@code QInvSqrt, QInv}, in RAW_SCALE the statistics' log mean eigenvalues
     * {@code logScaleP}/{@code logScaleQ}, and the step count {@code t}.
     */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        long m = p.order() == 'f' ? p.cols() : p.rows(); // the sides of NewtonSchulz.cView, as the rule
        long n = p.length() / m;
        boolean raw = factorMode == FactorMode.RAW_SCALE;
        StateSpec s = StateSpec.of("M", m * n);
        if (preconditions(m)) s = s.then(StateSpec.of("Sp", m * m));
        if (preconditions(n)) s = s.then(StateSpec.of("Sq", n * n));
        if (preconditions(m)) s = s.then(StateSpec.of("PInvSqrt", m * m, "PInv", m * m));
        if (preconditions(n)) s = s.then(StateSpec.of("QInvSqrt", n * n, "QInv", n * n));
        if (raw && preconditions(m)) s = s.then(StateSpec.of("logScaleP", 1));
        if (raw && preconditions(n)) s = s.then(StateSpec.of("logScaleQ", 1));
        return s.then(StateSpec.of("t", 1));
    }

    /**
     * The stated bound of the rule's step: {@code ||update||_2 <= lr * stepBound(p)} for every step of the matrix
     * {@code p} (learning rate {@code lr} as passed to the rule, weight decay excluded). It is
     * {@code s * kappa * f^k}: {@code s} the shape scale, {@code kappa} the largest singular value Newton-Schulz can
     * output ({@link #polarBound()}), {@code k} the number of learned sides and {@code f} the largest eigenvalue of a
     * factor's inverse square root, {@code sqrt((1 + mu) / mu)} in RAW_SCALE (the damped factor's eigenvalues are
     * at least {@code mu / (1 + mu)} times their mean 1) and {@code 1 / sqrt(eigenFloor)} in LITERAL (only the
     * eigenvalue floor bounds it). With {@code graft} it is {@code s * kappa * sqrt(min(m, n))}: the step's spectral
     * norm is at most the Frobenius norm of {@code NS(M)}.
     */
    public double stepBound(ParamLayout p) {
        long m = p.order() == 'f' ? p.cols() : p.rows();
        long n = p.length() / m;
        double s = shapeScale.factor(p, false) * polarBound();
        if (graft) return s * Math.sqrt(Math.min(m, n));
        double perSide =
                factorMode == FactorMode.RAW_SCALE ? Math.sqrt((1 + damping) / damping) : 1 / Math.sqrt(eigenFloor);
        if (preconditions(m)) s *= perSide;
        if (preconditions(n)) s *= perSide;
        return s;
    }

    /** The relative eigenvalue floor of the factors' roots: {@code mu / (1 + mu)} in RAW_SCALE, if larger. */
    double rootFloor() {
        return factorMode == FactorMode.RAW_SCALE ? Math.max(eigenFloor, damping / (1 + damping)) : eigenFloor;
    }

    /**
     * An upper bound of the largest singular value of {@code NS_k(M)}: the input is normalised to spectral norm
     * {@code <= r_0 = 1 / normScale}, and each step maps a singular value {@code x in [0, r]} to the odd quintic
     * {@code p(x) = a x + b x^3 + c x^5}, so {@code r_j = max |p_j|} over {@code [0, r_{j-1}]}, taken at the end
     * point and the critical points (the roots of {@code a + 3b y + 5c y^2}, {@code y = x^2}). 1.2023 for JORDAN.
     */
    public double polarBound() {
        double r = 1 / nsCoefficients.normScale();
        for (int j = 0; j < nsSteps; j++) {
            double[] abc = nsCoefficients.step(j);
            double best = Math.abs(quintic(abc, r));
            double qa = 5 * abc[2];
            double qb = 3 * abc[1];
            double disc = qb * qb - 4 * qa * abc[0];
            if (qa != 0 && disc >= 0) {
                for (double y : new double[] {(-qb - Math.sqrt(disc)) / (2 * qa), (-qb + Math.sqrt(disc)) / (2 * qa)}) {
                    if (y > 0 && y < r * r) best = Math.max(best, Math.abs(quintic(abc, Math.sqrt(y))));
                }
            } else if (qa == 0 && qb != 0) {
                double y = -abc[0] / qb;
                if (y > 0 && y < r * r) best = Math.max(best, Math.abs(quintic(abc, Math.sqrt(y))));
            }
            r = best;
        }
        return r;
    }

    private static double quintic(double[] abc, double x) {
        double x2 = x * x;
        return x * (abc[0] + x2 * (abc[1] + x2 * abc[2]));
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

    public double factorSpikeClip() {
        return factorSpikeClip;
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
                && Double.compare(eigenFloor, f.eigenFloor) == 0
                && Double.compare(factorSpikeClip, f.factorSpikeClip) == 0;
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
                eigenFloor,
                factorSpikeClip);
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
        /**
         * Damping mu (relative to the mean eigenvalue in RAW_SCALE mode), > 0; default 0.01. It bounds the whitening's
         * amplification per side by {@code sqrt((1+mu)/mu)}: 10x at 0.01, 32x at the spec's 1e-3, with which the loss
         * rose 3.5x in 8 fits on Xception and the character transformer diverged.
         */
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
        /**
         * Rescale the step to the Frobenius norm of the orthogonalized momentum (Shampoo-style grafting). Default
         * false, the paper's step. With grafting the step keeps Muon's norm but spends it mostly on the directions the
         * whitening amplifies (the weak ones), so it learned far slower than Muon: 0.56 test accuracy against Adam's
         * 0.77 on the reference CNN (BENCHMARKS.md, "Defaults from measurement"); the larger default damping (0.01)
         * is what keeps the ungrafted step stable where damping 1e-3 diverged.
         */
        public Builder graft(boolean v) {
            f.graft = v;
            return this;
        }
        /** Longest side that gets a learned factor (longer sides keep the identity), >= 2. */
        public Builder maxPreconditionedDim(int v) {
            f.maxPreconditionedDim = v;
            return this;
        }
        /**
         * RAW_SCALE: a gradient's factor statistic enters the EMA with its mean eigenvalue clipped at this many times
         * the EMA's own, so one spike moves the factor's shape by at most {@code (1-gamma) c / (gamma + (1-gamma) c)}
         * (17 % at the defaults), finite and >= 1; a very large value gives the plain magnitude-weighted EMA.
         */
        public Builder factorSpikeClip(double v) {
            f.factorSpikeClip = v;
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
