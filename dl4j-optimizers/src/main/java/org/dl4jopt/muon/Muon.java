package org.dl4jopt.muon;

import org.dl4jopt.core.Check;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.Map;
import java.util.Objects;

/**
 * Muon: MomentUm Orthogonalized by Newton-Schulz (K. Jordan et al., 2024, github.com/KellerJordan/Muon; spec
 * {@code muon-dropmuon.md} section 1). For each hidden weight matrix {@code W} with gradient {@code G}:
 * <pre>
 *   M = beta*M + (1-beta)*G
 *   U = nesterov ? (1-beta)*G + beta*M : M          (conv kernels as [nOut, nIn*kH*kW])
 *   W = W*(1 - lr*wd) - lr * s(W) * NS_k(U)
 * </pre>
 * Biases, norm parameters, embeddings, the output head and the first convolution get the AdamW fallback
 * ({@code MuonWithAuxAdam}). Needs {@link org.dl4jopt.Optimizers#prepare} on the built configuration.
 *
 * <pre>{@code .updater(Muon.builder().learningRate(0.02).weightDecay(0.01).build())}</pre>
 */
public class Muon extends ShapeAwareUpdater {
    public static final double DEFAULT_LEARNING_RATE = 0.02;
    public static final double DEFAULT_MOMENTUM = 0.95;
    public static final int DEFAULT_NS_STEPS = 5;
    public static final double DEFAULT_NS_EPSILON = 1e-7;

    private double momentum = DEFAULT_MOMENTUM;
    private boolean nesterov = true;
    private int nsSteps = DEFAULT_NS_STEPS;
    private double nsEpsilon = DEFAULT_NS_EPSILON;
    private NsCoefficients nsCoefficients = NsCoefficients.JORDAN;
    private ShapeScale shapeScale = ShapeScale.KELLER;
    private boolean flattenedConvScale;

    /** Muon with every default (lr 0.02). */
    public Muon() {
        this.learningRate = DEFAULT_LEARNING_RATE;
    }

    /** Muon with the given learning rate and every other default. */
    public Muon(double learningRate) {
        this.learningRate = learningRate;
        validate();
    }

    protected Muon(Muon o) {
        super(o);
        this.momentum = o.momentum;
        this.nesterov = o.nesterov;
        this.nsSteps = o.nsSteps;
        this.nsEpsilon = o.nsEpsilon;
        this.nsCoefficients = o.nsCoefficients;
        this.shapeScale = o.shapeScale;
        this.flattenedConvScale = o.flattenedConvScale;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected String name() {
        return "Muon";
    }

    @Override
    public void validate() {
        super.validate();
        Check.unitInterval("Muon.momentum", momentum);
        Check.atLeast("Muon.nsSteps", nsSteps, 1);
        Check.nonNegative("Muon.nsEpsilon", nsEpsilon);
        Objects.requireNonNull(nsCoefficients, "Muon.nsCoefficients");
        Objects.requireNonNull(shapeScale, "Muon.shapeScale");
    }

    /** One momentum buffer of the parameter's size. */
    @Override
    protected long matrixStateSize(ParamLayout p) {
        return p.length();
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        MuonUpdater u = new MuonUpdater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        MuonUpdater u = new MuonUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public Muon clone() {
        return new Muon(this);
    }

    public double momentum() { return momentum; }
    public boolean nesterov() { return nesterov; }
    public int nsSteps() { return nsSteps; }
    public double nsEpsilon() { return nsEpsilon; }
    public NsCoefficients nsCoefficients() { return nsCoefficients; }
    public ShapeScale shapeScale() { return shapeScale; }
    public boolean flattenedConvScale() { return flattenedConvScale; }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || o.getClass() != getClass()) return false;
        Muon m = (Muon) o;
        return baseEquals(m) && Double.compare(momentum, m.momentum) == 0 && nesterov == m.nesterov
                && nsSteps == m.nsSteps && Double.compare(nsEpsilon, m.nsEpsilon) == 0
                && nsCoefficients == m.nsCoefficients && shapeScale == m.shapeScale
                && flattenedConvScale == m.flattenedConvScale;
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseHashCode(), momentum, nesterov, nsSteps, nsEpsilon, nsCoefficients, shapeScale,
                flattenedConvScale);
    }

    @Override
    public String toString() {
        return "Muon(lr=" + learningRate + ", momentum=" + momentum + ", nesterov=" + nesterov + ", ns=" + nsCoefficients
                + "x" + nsSteps + ", scale=" + shapeScale + ", wd=" + weightDecay + ", fallback=" + fallback
                + (layout == null ? ", unprepared" : ", " + layout) + ")";
    }

    /** Builder with Keller Jordan's defaults: lr 0.02, momentum 0.95, Nesterov, 5 Jordan NS steps, eps 1e-7. */
    public static class Builder extends ShapeAwareUpdater.Builder<Builder> {
        private double momentum = DEFAULT_MOMENTUM;
        private boolean nesterov = true;
        private int nsSteps = DEFAULT_NS_STEPS;
        private double nsEpsilon = DEFAULT_NS_EPSILON;
        private NsCoefficients nsCoefficients = NsCoefficients.JORDAN;
        private ShapeScale shapeScale = ShapeScale.KELLER;
        private boolean flattenedConvScale;

        public Builder() {
            super(DEFAULT_LEARNING_RATE);
        }

        /** EMA momentum coefficient beta, in [0, 1). */
        public Builder momentum(double m) { this.momentum = m; return this; }
        /** Nesterov ({@code (1-beta)G + beta M}, default) or plain ({@code M}) momentum. */
        public Builder nesterov(boolean n) { this.nesterov = n; return this; }
        public Builder nsSteps(int k) { this.nsSteps = k; return this; }
        /** Additive epsilon of the input normalisation {@code G / (||G||_F + eps)}. */
        public Builder nsEpsilon(double eps) { this.nsEpsilon = eps; return this; }
        public Builder nsCoefficients(NsCoefficients c) { this.nsCoefficients = c; return this; }
        public Builder shapeScale(ShapeScale s) { this.shapeScale = s; return this; }
        /** KELLER scale of conv kernels from the flattened matrix instead of the kernel's kH/kW (spec 1.4 choice). */
        public Builder flattenedConvScale(boolean f) { this.flattenedConvScale = f; return this; }

        public Muon build() {
            Muon m = new Muon();
            m.momentum = momentum;
            m.nesterov = nesterov;
            m.nsSteps = nsSteps;
            m.nsEpsilon = nsEpsilon;
            m.nsCoefficients = nsCoefficients;
            m.shapeScale = shapeScale;
            m.flattenedConvScale = flattenedConvScale;
            return fill(m);
        }
    }
}
