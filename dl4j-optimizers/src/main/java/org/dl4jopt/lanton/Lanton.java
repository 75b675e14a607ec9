package org.dl4jopt.lanton;

import org.dl4jopt.core.Check;
import org.dl4jopt.core.NetworkStateLayout;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * LANTON: noise-adaptive layerwise learning rates over a geometry-aware optimizer (Hao, Gong, Xu, Wang, Liu,
 * arXiv 2510.14009; spec {@code fismo-noise-adaptive.md} section 2). Per parameter tensor {@code l} of a norm group:
 * <pre>
 *   D = G_t - G_{t-1};  H_l = beta2 H_l + (1-beta2) ||D||_*^2      (nuclear norm * s_l for HIDDEN, l1 for SIGN)
 *   alpha_l = 1/sqrt(H_l + eps);  r_l = max(alpha_l / max_group(alpha), rMin)
 *   HIDDEN: W -= lr * r_l * (base optimizer's step: Muon, or FISMO)   SIGN: B = b1 B + (1-b1) G;  W -= lrSign * r_l * sign(B)
 * </pre>
 * Biases and norm parameters get the AdamW fallback. The group maximum is taken over the previous step's {@code H} of
 * every group member, read from the network's state array (DL4J updates layers one block at a time, so the current
 * step's values of later layers do not exist yet): a one-step lag, the same in every copy of the network.
 */
public class Lanton extends ShapeAwareUpdater {
    public static final double DEFAULT_LEARNING_RATE = 3e-3;
    /** Scalars at the start of each non-vector parameter's state: H, nObs, seen, H and observed flag per parity. */
    static final int SCALARS = 7;

    private ShapeAwareUpdater base = Muon.builder().shapeScale(ShapeScale.MOONLIGHT).learningRate(DEFAULT_LEARNING_RATE)
            .build();
    private double beta2 = 0.99;
    private double epsilon = 1e-16;
    private double rMin;
    private double signLearningRate = 3e-4;
    private double signMomentum = 0.95;
    private double signWeightDecay;
    private boolean signForEdges = true;
    private RateNormalization rateNormalization = RateNormalization.RATIO;
    /** State offsets (network-wide) of every HIDDEN / SIGN member's scalars, and of this layer's own parameters. */
    private long[] hiddenPeers = new long[0];
    private long[] signPeers = new long[0];
    private long[] ownOffsets = new long[0];

    public Lanton() {
        this.learningRate = DEFAULT_LEARNING_RATE;
    }

    protected Lanton(Lanton o) {
        super(o);
        base = o.base.clone();
        beta2 = o.beta2;
        epsilon = o.epsilon;
        rMin = o.rMin;
        signLearningRate = o.signLearningRate;
        signMomentum = o.signMomentum;
        signWeightDecay = o.signWeightDecay;
        signForEdges = o.signForEdges;
        rateNormalization = o.rateNormalization;
        hiddenPeers = o.hiddenPeers.clone();
        signPeers = o.signPeers.clone();
        ownOffsets = o.ownOffsets.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "Lanton";
    }

    @Override
    public void validate() {
        super.validate();
        Objects.requireNonNull(base, "Lanton.base");
        if (!(base instanceof Muon || base instanceof Fismo)) {
            throw new IllegalArgumentException("Lanton.base must be a Muon or a Fismo config, got " + base.name());
        }
        base.validate();
        Check.unitInterval("Lanton.beta2", beta2);
        Check.positive("Lanton.epsilon", epsilon);
        if (!(rMin >= 0 && rMin <= 1)) throw new IllegalArgumentException("Lanton.rMin must be in [0, 1], got " + rMin);
        Check.positive("Lanton.signLearningRate", signLearningRate);
        Check.unitInterval("Lanton.signMomentum", signMomentum);
        Check.nonNegative("Lanton.signWeightDecay", signWeightDecay);
        Objects.requireNonNull(rateNormalization, "Lanton.rateNormalization");
    }

    /** The parameter's norm group; a HIDDEN matrix that the base sends to its fallback is VECTOR here too. */
    NormGroup group(ParamLayout p) {
        if (fallbackLayers.contains(requireLayout().layerName())) return NormGroup.VECTOR;
        NormGroup g = NormGroup.of(p.role(), signForEdges);
        if (g == NormGroup.HIDDEN && base.layout() != null && !base.usesMatrixRule(p)) return NormGroup.VECTOR;
        return g;
    }

    @Override
    public boolean usesMatrixRule(ParamLayout p) {
        return group(p) != NormGroup.VECTOR;
    }

    @Override
    protected long matrixStateSize(ParamLayout p) {
        long gprev = p.length();
        long own = group(p) == NormGroup.HIDDEN ? base.stateNeed(p) : p.length();   // base state, or Signum's B
        return SCALARS + gprev + own;
    }

    /** HIDDEN: the base's decay; SIGN: its own (per unit of main rate); VECTOR: the fallback's. */
    @Override
    public double decayCoefficient(ParamLayout p) {
        switch (group(p)) {
            case HIDDEN:
                return weightDecay;
            case SIGN:
                return signWeightDecay * signLearningRate / learningRate;
            default:
                return super.decayCoefficient(p);
        }
    }

    /** Signum rate at this step: follows the main rate's schedule proportionally. */
    double signLearningRate(int iteration, int epoch) {
        return signLearningRate * getLearningRate(iteration, epoch) / learningRate;
    }

    @Override
    public ShapeAwareUpdater withLayout(LayerLayout layout) {
        Lanton c = (Lanton) super.withLayout(layout);
        c.base = c.base.withLayout(layout);
        return c;
    }

    @Override
    public ShapeAwareUpdater withNetworkStateLayout(NetworkStateLayout nsl) {
        List<Long> hidden = new ArrayList<>();
        List<Long> sign = new ArrayList<>();
        long[] own = new long[requireLayout().params().size()];
        Arrays.fill(own, -1);
        for (NetworkStateLayout.Entry e : nsl.entries()) {
            if (!(e.config instanceof Lanton)) continue;
            Lanton l = (Lanton) e.config;
            for (int i = 0; i < l.requireLayout().params().size(); i++) {
                ParamLayout p = l.requireLayout().params().get(i);
                if (!p.key().equals(e.key) || !l.usesMatrixRule(p)) continue;
                (l.group(p) == NormGroup.HIDDEN ? hidden : sign).add(e.offset);
                if (l.requireLayout().layerName().equals(layout().layerName())) own[i] = e.offset;
            }
        }
        Lanton c = clone();
        c.hiddenPeers = hidden.stream().mapToLong(Long::longValue).toArray();
        c.signPeers = sign.stream().mapToLong(Long::longValue).toArray();
        c.ownOffsets = own;
        return c;
    }

    long[] peers(NormGroup g) {
        return g == NormGroup.HIDDEN ? hiddenPeers : signPeers;
    }

    long ownOffset(int index) {
        return ownOffsets.length > index ? ownOffsets[index] : -1;
    }

    @Override
    protected ShapeAwareGradientUpdater<?> newUpdater() {
        return new LantonUpdater(this);
    }

    @Override
    public Lanton clone() {
        return new Lanton(this);
    }

    public ShapeAwareUpdater base() { return base; }
    public double beta2() { return beta2; }
    public double epsilon() { return epsilon; }
    public double rMin() { return rMin; }
    public double signMomentum() { return signMomentum; }
    public RateNormalization rateNormalization() { return rateNormalization; }

    /** The dual-norm scale s_l of a HIDDEN matrix: the same shape scale the base step uses (spec 2.2). */
    double dualScale(ParamLayout p) {
        ShapeScale s = base instanceof Muon ? ((Muon) base).shapeScale() : ((Fismo) base).shapeScale();
        return s.factor(p, false);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || o.getClass() != getClass()) return false;
        Lanton l = (Lanton) o;
        return baseEquals(l) && base.equals(l.base) && Double.compare(beta2, l.beta2) == 0
                && Double.compare(epsilon, l.epsilon) == 0 && Double.compare(rMin, l.rMin) == 0
                && Double.compare(signLearningRate, l.signLearningRate) == 0
                && Double.compare(signMomentum, l.signMomentum) == 0
                && Double.compare(signWeightDecay, l.signWeightDecay) == 0 && signForEdges == l.signForEdges
                && rateNormalization == l.rateNormalization && Arrays.equals(hiddenPeers, l.hiddenPeers)
                && Arrays.equals(signPeers, l.signPeers) && Arrays.equals(ownOffsets, l.ownOffsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseHashCode(), base, beta2, epsilon, rMin, signLearningRate, signMomentum,
                signWeightDecay, signForEdges, rateNormalization, Arrays.hashCode(hiddenPeers),
                Arrays.hashCode(signPeers), Arrays.hashCode(ownOffsets));
    }

    @Override
    public String toString() {
        return "Lanton(lr=" + learningRate + ", base=" + base.name() + ", beta2=" + beta2 + ", signLr="
                + signLearningRate + ", norm=" + rateNormalization + ", rMin=" + rMin + ")";
    }

    /** Builder with the spec's [C] defaults (section 2.6): Muon base with the Moonlight (D-Muon) scale, lr 3e-3. */
    public static class Builder extends ShapeAwareUpdater.Builder<Builder> {
        private final Lanton l = new Lanton();

        public Builder() {
            super(DEFAULT_LEARNING_RATE);
        }

        /** The geometry-aware step of the HIDDEN group: a Muon (default, Moonlight scale) or a Fismo config. */
        public Builder base(ShapeAwareUpdater b) { l.base = b; return this; }
        /** EMA coefficient of the squared noise, in [0, 1). */
        public Builder beta2(double v) { l.beta2 = v; return this; }
        public Builder epsilon(double v) { l.epsilon = v; return this; }
        /** Floor of the rate factor, in [0, 1] (0: faithful; 0.05 if a layer's rate collapses). */
        public Builder rMin(double v) { l.rMin = v; return this; }
        public Builder signLearningRate(double v) { l.signLearningRate = v; return this; }
        public Builder signMomentum(double v) { l.signMomentum = v; return this; }
        public Builder signWeightDecay(double v) { l.signWeightDecay = v; return this; }
        /** Embedding, head and first convolution with Signum (default, as the paper) or with the AdamW fallback. */
        public Builder signForEdges(boolean v) { l.signForEdges = v; return this; }
        public Builder rateNormalization(RateNormalization v) { l.rateNormalization = v; return this; }

        public Lanton build() {
            return fill(new Lanton(l));
        }
    }
}
