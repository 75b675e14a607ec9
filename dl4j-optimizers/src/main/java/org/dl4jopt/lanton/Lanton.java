package org.dl4jopt.lanton;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jopt.core.Check;
import org.dl4jopt.core.CrossLayerRule;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.SplitScalar;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * LANTON: noise-adaptive layerwise learning rates over a geometry-aware optimizer (Hao, Gong, Xu, Wang, Liu,
 * arXiv 2510.14009; spec {@code fismo-noise-adaptive.md} section 2). Per parameter tensor {@code l} of a norm group:
 * <pre>
 *   D = G_t - G_{t-1};  H_l = beta2 H_l + (1-beta2) ||D||_*^2      (nuclear norm * s_l for HIDDEN, l1 for SIGN)
 *   alpha_l = 1/sqrt(H_l + eps);  r_l = max(alpha_l / max_group(alpha), rMin)
 *   HIDDEN: W -= lr * r_l * (base optimizer's step: Muon, or FISMO)   SIGN: B = b1 B + (1-b1) G;  W -= lrSign * r_l * sign(B)
 * </pre>
 * Biases and norm parameters get the AdamW fallback. The group maximum is the same step's, over every member of the
 * group in the network: the network step's leader computes every member's {@code H} and the group maxima before any
 * layer is updated ({@link LantonNoise}), as the paper's formula.
 *
 * <p>Routing (the Muon family's options): a non-vector parameter whose role is in {@code matrixRoles} (or whose layer
 * is in {@code matrixRuleLayers}) is HIDDEN; otherwise the embedding, output head and first convolution are SIGN when
 * {@code signForEdges}; layers in {@code fallbackLayers} and everything else get the AdamW fallback.
 */
public class Lanton extends ShapeAwareUpdater {
    private static final long serialVersionUID = 1L;

    /**
     * 0.05, not the spec's LLM value 3e-3: the rate factors {@code r} are far below 1 for most layers (0.03-0.3 on the
     * character transformer), so the base rate must be larger than a Muon rate; 3e-3 ended 11.9 points below DL4J
     * Adam on the reference CNN (BENCHMARKS.md, "Defaults from measurement").
     */
    public static final double DEFAULT_LEARNING_RATE = 0.05;

    private ShapeAwareUpdater base = defaultBase();
    private double beta2 = 0.99;
    private double epsilon = 1e-16;
    private double rMin;
    private double signLearningRate = 1e-3; // DL4J Adam's rate: a Signum step has unit RMS, as an Adam step
    private double signMomentum = 0.95;
    private double signWeightDecay;
    private boolean signForEdges = true;
    private RateNormalization rateNormalization = RateNormalization.RATIO;

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
    }

    /**
     * The default base: Muon with the Moonlight (D-Muon) scale and Muon's default Nesterov momentum. LANTON's
     * Algorithm 1 (as reviewers describe it, spec 2.4) steps on the plain EMA momentum {@code B}: pass
     * {@code base(Muon.builder().nesterov(false).shapeScale(ShapeScale.MOONLIGHT).build())} for that, and
     * {@code ShapeScale.SCION} for Scion's {@code sqrt(fanOut/fanIn)} radius (the dual norm follows the base's scale).
     */
    private static ShapeAwareUpdater defaultBase() {
        return Muon.builder().shapeScale(ShapeScale.MOONLIGHT).build();
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
        ShapeAwareUpdater plain =
                base instanceof Muon ? Muon.builder().build() : Fismo.builder().build();
        if (Double.compare(base.getLearningRate(0, 0), plain.getLearningRate(0, 0)) != 0
                || base.learningRateSchedule() != null
                || base.weightDecay() != 0
                || !base.fallback().equals(plain.fallback())
                || !base.matrixRoles().equals(plain.matrixRoles())
                || !base.routedLayerNames().isEmpty()
                || base.nonFiniteGradients() != plain.nonFiniteGradients()) {
            throw new IllegalArgumentException("Lanton.base: LANTON uses only the base's own rule options (momentum, "
                    + "Newton-Schulz, shape scale, FISMO's factors); set the learning rate, schedule, weight decay, adam* "
                    + "options, routing and nonFiniteGradients on Lanton.builder(), not on the base " + base + ".");
        }
        Check.unitInterval("Lanton.beta2", beta2);
        Check.positive("Lanton.epsilon", epsilon);
        if (!(rMin >= 0 && rMin <= 1)) throw new IllegalArgumentException("Lanton.rMin must be in [0, 1], got " + rMin);
        Check.positive("Lanton.signLearningRate", signLearningRate);
        Check.unitInterval("Lanton.signMomentum", signMomentum);
        Check.nonNegative("Lanton.signWeightDecay", signWeightDecay);
        Objects.requireNonNull(rateNormalization, "Lanton.rateNormalization");
    }

    /** The parameter's norm group (see the class comment); FISMO's size limit sends a matrix to the fallback. */
    NormGroup group(ParamLayout p) {
        String layer = requireLayout().layerName();
        if (p.role() == ParamRole.VECTOR || fallbackLayers.contains(layer)) return NormGroup.VECTOR;
        if (matrixRuleLayers.contains(layer) || matrixRoles.contains(p.role())) {
            boolean fits = !(base instanceof Fismo) || ((Fismo) base).preconditionable(p);
            return fits ? NormGroup.HIDDEN : NormGroup.VECTOR;
        }
        return NormGroup.of(p.role(), signForEdges) == NormGroup.SIGN ? NormGroup.SIGN : NormGroup.VECTOR;
    }

    @Override
    public boolean usesMatrixRule(ParamLayout p) {
        return group(p) != NormGroup.VECTOR;
    }

    /**
     * The noise statistic's root {@code sqrtH = sqrt(H)} (a {@link SplitScalar}: a root stays in HALF's range where
     * {@code H = EMA(q^2)} would overflow, and two elements keep its EMA moving in BFLOAT16), its observation count
     * {@code nObs} (an {@link ExactCounter}), whether a previous gradient exists ({@code seen}), that gradient
     * {@code Gprev}, then the base optimizer's state ({@code base}, HIDDEN) or Signum's momentum {@code B} (SIGN).
     */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        StateSpec noise =
                StateSpec.of("sqrtH", SplitScalar.PIECES, "nObs", ExactCounter.DIGITS, "seen", 1, "Gprev", p.length());
        return noise.then(
                group(p) == NormGroup.HIDDEN
                        ? StateSpec.of("base", base.matrixState(p).size())
                        : StateSpec.of("B", p.length()));
    }

    /** Every rate of the step: the main (HIDDEN) rate, the Signum rate, the fallback rate. */
    @Override
    public Map<String, Double> ratesAt(int iteration, int epoch) {
        Map<String, Double> r = super.ratesAt(iteration, epoch);
        if (layout() != null && layout().params().stream().anyMatch(p -> group(p) == NormGroup.SIGN)) {
            r.put("signLearningRate", signLearningRate(iteration, epoch));
        }
        return r;
    }

    /** LANTON trains in every type its base trains in (FISMO: FLOAT and DOUBLE only). */
    @Override
    public void checkDataType(DataType type, String layerName) {
        super.checkDataType(type, layerName);
        base.checkDataType(type, layerName);
    }

    @Override
    public String crossLayerRuleKey() {
        return "Lanton";
    }

    @Override
    public CrossLayerRule crossLayerRule(List<ShapeAwareUpdater> members) {
        return new LantonNoise(members);
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

    /**
     * Sets the main rate (DL4J's {@code setLearningRate}) and scales the Signum rate by the same factor, as a schedule
     * on the main rate scales it.
     */
    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        double base = lrSchedule != null ? lrSchedule.valueAt(0, 0) : lr;
        double factor = base / learningRate;
        super.setLrAndSchedule(lr, lrSchedule);
        signLearningRate *= factor;
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
    protected ShapeAwareGradientUpdater<?> newUpdater() {
        return new LantonUpdater(this);
    }

    @Override
    public Lanton clone() {
        return new Lanton(this);
    }

    public ShapeAwareUpdater base() {
        return base;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public double rMin() {
        return rMin;
    }

    public double signMomentum() {
        return signMomentum;
    }

    public RateNormalization rateNormalization() {
        return rateNormalization;
    }

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
        return baseEquals(l)
                && base.equals(l.base)
                && Double.compare(beta2, l.beta2) == 0
                && Double.compare(epsilon, l.epsilon) == 0
                && Double.compare(rMin, l.rMin) == 0
                && Double.compare(signLearningRate, l.signLearningRate) == 0
                && Double.compare(signMomentum, l.signMomentum) == 0
                && Double.compare(signWeightDecay, l.signWeightDecay) == 0
                && signForEdges == l.signForEdges
                && rateNormalization == l.rateNormalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                baseHashCode(),
                base,
                beta2,
                epsilon,
                rMin,
                signLearningRate,
                signMomentum,
                signWeightDecay,
                signForEdges,
                rateNormalization);
    }

    @Override
    public String toString() {
        return "Lanton(lr=" + learningRate + ", base=" + base.name() + ", beta2=" + beta2 + ", signLr="
                + signLearningRate + ", norm=" + rateNormalization + ", rMin=" + rMin + ")";
    }

    /** Builder with the spec's [C] defaults (section 2.6): Muon base with the Moonlight (D-Muon) scale, lr 3e-3. */
    public static class Builder extends ShapeAwareUpdater.RoutedBuilder<Builder> {
        private final Lanton l = new Lanton();

        public Builder() {
            super(DEFAULT_LEARNING_RATE);
        }

        /**
         * The geometry-aware step of the HIDDEN group: a Muon (default, Moonlight scale) or a Fismo config that sets
         * only its rule's options (momentum, Newton-Schulz, scale, factors); anything else is refused.
         */
        public Builder base(ShapeAwareUpdater b) {
            l.base = b;
            return this;
        }
        /** EMA coefficient of the squared noise, in [0, 1). */
        public Builder beta2(double v) {
            l.beta2 = v;
            return this;
        }

        public Builder epsilon(double v) {
            l.epsilon = v;
            return this;
        }
        /** Floor of the rate factor, in [0, 1] (0: faithful; 0.05 if a layer's rate collapses). */
        public Builder rMin(double v) {
            l.rMin = v;
            return this;
        }

        public Builder signLearningRate(double v) {
            l.signLearningRate = v;
            return this;
        }

        public Builder signMomentum(double v) {
            l.signMomentum = v;
            return this;
        }

        public Builder signWeightDecay(double v) {
            l.signWeightDecay = v;
            return this;
        }
        /** Embedding, head and first convolution with Signum (default, as the paper) or with the AdamW fallback. */
        public Builder signForEdges(boolean v) {
            l.signForEdges = v;
            return this;
        }

        public Builder rateNormalization(RateNormalization v) {
            l.rateNormalization = v;
            return this;
        }

        public Lanton build() {
            return fill(new Lanton(l));
        }
    }
}
