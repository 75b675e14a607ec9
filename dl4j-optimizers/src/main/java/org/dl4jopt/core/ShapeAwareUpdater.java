package org.dl4jopt.core;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * Base of every updater config in this library that needs parameter shapes. It carries, besides its hyperparameters,
 * the {@link LayerLayout} written by {@link org.dl4jopt.Optimizers#prepare}, so the shapes travel wherever DL4J sends
 * the configuration (JSON, clone, ModelSerializer, ParallelWrapper, Spark).
 *
 * <p>Routing: a parameter gets the subclass's matrix rule when its role is in {@link #matrixRoles()} (or its layer is
 * listed in {@code matrixRuleLayers}), unless its layer is listed in {@code fallbackLayers} or it is a
 * {@link ParamRole#VECTOR}; every other parameter gets the built-in {@link AdamWFallback}.
 *
 * <p>State: {@link #stateSize} and the updater derive the block's state layout from the same rule
 * ({@link StateLayout}); a parameter of length {@code n} gets {@code max(need(p))} over the block's parameters of that
 * length, so the sum over the block is exactly what the updater lays out.
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public abstract class ShapeAwareUpdater implements IUpdater {
    private static final long serialVersionUID = 1L;

    protected double learningRate;
    protected ISchedule learningRateSchedule;
    protected double weightDecay;
    protected AdamWFallback fallback = new AdamWFallback();
    protected EnumSet<ParamRole> matrixRoles = EnumSet.of(ParamRole.HIDDEN_MATRIX, ParamRole.CONV_KERNEL);
    protected TreeSet<String> fallbackLayers = new TreeSet<>();
    protected TreeSet<String> matrixRuleLayers = new TreeSet<>();
    protected NonFiniteGradientPolicy nonFiniteGradients = NonFiniteGradientPolicy.THROW;
    protected LayerLayout layout;
    protected NetworkPlan plan;
    /** True on the copy an updater reports from {@code getConfig()} after skipping a step (see {@link #skippedStep}). */
    @JsonIgnore
    private transient boolean skippedStep;

    protected ShapeAwareUpdater() {}

    protected ShapeAwareUpdater(ShapeAwareUpdater o) {
        this.learningRate = o.learningRate;
        this.learningRateSchedule = o.learningRateSchedule == null ? null : o.learningRateSchedule.clone();
        this.weightDecay = o.weightDecay;
        this.fallback = o.fallback;
        this.matrixRoles = roleSet(o.matrixRoles);
        this.fallbackLayers = new TreeSet<>(o.fallbackLayers);
        this.matrixRuleLayers = new TreeSet<>(o.matrixRuleLayers);
        this.nonFiniteGradients = o.nonFiniteGradients;
        this.layout = o.layout;
        this.plan = o.plan;
    }

    static EnumSet<ParamRole> roleSet(Set<ParamRole> roles) {
        EnumSet<ParamRole> s = EnumSet.noneOf(ParamRole.class);
        s.addAll(roles);
        return s;
    }

    /** Short name used in messages, e.g. "Muon". */
    public abstract String name();

    /** The state the matrix rule keeps for parameter {@code p}, declared by name. */
    public abstract StateSpec matrixState(ParamLayout p);

    @Override
    public abstract ShapeAwareUpdater clone();

    /** A new update rule for one updater block of this config. */
    protected abstract ShapeAwareGradientUpdater<?> newUpdater();

    /** A new update rule without state (for wrappers that call {@link ShapeAwareGradientUpdater#matrixStep}). */
    public ShapeAwareGradientUpdater<?> ruleOnly() {
        return newUpdater();
    }

    @Override
    public GradientUpdater<?> instantiate(INDArray viewArray, boolean initializeViewArray) {
        ShapeAwareGradientUpdater<?> u = newUpdater();
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater<?> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        ShapeAwareGradientUpdater<?> u = newUpdater();
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    /** Validates the hyperparameters common to every shape-aware optimizer; subclasses add their own. */
    public void validate() {
        if (learningRateSchedule == null) Check.positive(name() + ".learningRate", learningRate);
        else Check.positive(name() + ".learningRate (base value of the schedule)", learningRate);
        Check.nonNegative(name() + ".weightDecay", weightDecay);
        Objects.requireNonNull(fallback, name() + ".fallback");
        fallback.validate(name());
        Objects.requireNonNull(nonFiniteGradients, name() + ".nonFiniteGradients");
        Set<String> both = new LinkedHashSet<>(fallbackLayers);
        both.retainAll(matrixRuleLayers);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException(
                    name() + ": layers " + both + " are listed both in fallbackLayers and matrixRuleLayers");
        }
    }

    /**
     * Smallest epsilon of an Adam-type second moment in a HALF network. {@code v = EMA(g^2)} flushes to 0 in HALF
     * (smallest number 6e-8) for {@code |g|} below about 0.005 while the momentum does not, so the step
     * {@code m / (sqrt(v) + eps)} is bounded only by epsilon: 1e-3 keeps it within a few learning rates.
     */
    public static final double MIN_HALF_EPSILON = 1e-3;

    /**
     * Refuses a network data type this optimizer cannot train in, with a message naming the type and what to use
     * instead; called by {@code Optimizers.prepare} for every layer of ours before anything is written. Checks
     * {@link #checkDataType} and, in HALF, the epsilons of {@link #halfSensitiveEpsilons}.
     */
    public final void acceptDataType(DataType type, String layerName) {
        checkDataType(type, layerName);
        if (type != DataType.HALF) return;
        for (Map.Entry<String, Double> e : halfSensitiveEpsilons().entrySet()) {
            if (!(e.getValue() >= MIN_HALF_EPSILON)) {
                throw new IllegalArgumentException(name() + " (layer '" + layerName + "'): " + e.getKey() + " "
                        + e.getValue() + " is too small for a HALF network: the second moment v = EMA(g^2) flushes "
                        + "to 0 in HALF for gradients below about 0.005 and the step m / (sqrt(v) + eps) explodes. Set "
                        + e.getKey() + "(" + MIN_HALF_EPSILON + ") or more, or use .dataType(DataType.FLOAT).");
            }
        }
    }

    /**
     * Whether the optimizer's rules work in a network of this data type. Default: FLOAT, DOUBLE and HALF (reductions
     * run in double, step counters and exact scalars are kept in base-256 digits, see {@link Kernels} and
     * {@link ExactCounter}; both are BFLOAT16-exact too). BFLOAT16 is refused because DL4J 1.0.0-M2.1 cannot train
     * such a network: its configuration builder refuses the type, and a type set afterwards fails in backprop ops
     * without BFLOAT16 kernels ({@code tanh_bp}).
     */
    public void checkDataType(DataType type, String layerName) {
        if (type == DataType.BFLOAT16) {
            throw new IllegalArgumentException(name() + " (layer '" + layerName + "') cannot train a BFLOAT16 "
                    + "network: DL4J 1.0.0-M2.1 does not train BFLOAT16 networks (its builder refuses the type and "
                    + "backprop ops such as tanh_bp have no BFLOAT16 kernel); use .dataType(DataType.FLOAT) or HALF.");
        }
        if (type != DataType.FLOAT && type != DataType.DOUBLE && type != DataType.HALF) {
            throw new IllegalArgumentException(name() + " (layer '" + layerName + "') cannot train a " + type
                    + " network: it supports FLOAT, DOUBLE and HALF; use .dataType(DataType.FLOAT).");
        }
    }

    /**
     * The epsilons (by builder name) of the Adam-type second moments this config uses; each must be at least
     * {@link #MIN_HALF_EPSILON} in a HALF network. Default: the AdamW fallback's {@code adamEpsilon}.
     */
    protected Map<String, Double> halfSensitiveEpsilons() {
        return Collections.singletonMap("adamEpsilon", fallback.epsilon());
    }

    /** A copy of this config that serves the given layer. */
    public ShapeAwareUpdater withLayout(LayerLayout layout) {
        ShapeAwareUpdater c = clone();
        c.layout = Objects.requireNonNull(layout, "layout");
        c.plan = null; // a new layout needs a new plan (written by the same prepare)
        return c;
    }

    /** The layout written by {@link org.dl4jopt.Optimizers#prepare}, or null if the config was never prepared. */
    public LayerLayout layout() {
        return layout;
    }

    /** The layout, or an exception telling the user which call is missing. */
    public LayerLayout requireLayout() {
        if (layout == null) {
            throw new IllegalStateException(name() + " needs the parameter shapes of each layer, which DL4J does not "
                    + "pass to updaters: call org.dl4jopt.Optimizers.prepare(conf) on the built "
                    + "MultiLayerConfiguration/ComputationGraphConfiguration before creating the network "
                    + "(new MultiLayerNetwork(Optimizers.prepare(conf))).");
        }
        return layout;
    }

    /** True if parameter {@code p} of this config's layer gets the matrix rule, false for the AdamW fallback. */
    public boolean usesMatrixRule(ParamLayout p) {
        if (p.role() == ParamRole.VECTOR) return false;
        String layer = requireLayout().layerName();
        if (fallbackLayers.contains(layer)) return false;
        return matrixRuleLayers.contains(layer) || matrixRoles.contains(p.role());
    }

    /** The state parameter {@code p} gets: the matrix rule's, or the AdamW fallback's ({@link #fallbackState}). */
    public StateSpec stateSpec(ParamLayout p) {
        return usesMatrixRule(p) ? matrixState(p) : fallbackState(p);
    }

    /**
     * The AdamW fallback's state for {@code p}: moments {@code M}, {@code V}; and, for an optimizer whose update gate
     * freezes layers for some iterations (Drop-Muon), the number of updates the parameter actually received, {@code t}
     * (an {@link ExactCounter}), which its bias correction uses instead of the iteration, as PyTorch's AdamW keeps a
     * step count per parameter. Without a gate the two are the same.
     */
    public StateSpec fallbackState(ParamLayout p) {
        StateSpec s = AdamWFallback.state(p.length());
        return countsFallbackUpdates() ? s.then(StateSpec.of("t", ExactCounter.DIGITS)) : s;
    }

    /** True for an optimizer whose gate skips layers at some iterations: its fallback counts its own updates. */
    protected boolean countsFallbackUpdates() {
        return false;
    }

    @Override
    public long stateSize(long numParams) {
        return StateLayout.slotSize(this, requireLayout(), numParams);
    }

    /** The main rate at this step; 0 on the copy reported after a skipped step, so DL4J's weight decay adds nothing. */
    @Override
    public double getLearningRate(int iteration, int epoch) {
        if (skippedStep) return 0.0;
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    /**
     * Every learning rate a step at this iteration uses, by builder name ({@code learningRate}, and the rates derived
     * from it such as {@code adamLearningRate}). The network step checks them all before anything changes.
     */
    public Map<String, Double> ratesAt(int iteration, int epoch) {
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("learningRate", getLearningRate(iteration, epoch));
        if (layout != null && layout.params().stream().anyMatch(p -> !usesMatrixRule(p))) {
            r.put("adamLearningRate", fallbackLearningRate(iteration, epoch));
        }
        return r;
    }

    /** Layer names this config routes by name (checked against the network by {@code Optimizers.prepare}). */
    public Set<String> routedLayerNames() {
        Set<String> s = new TreeSet<>(fallbackLayers);
        s.addAll(matrixRuleLayers);
        return s;
    }

    /** Throws {@link InvalidLearningRateException} if a rate of this step is NaN, infinite or negative. */
    public void checkRates(int iteration, int epoch) {
        for (Map.Entry<String, Double> e : ratesAt(iteration, epoch).entrySet()) {
            double v = e.getValue();
            if (!(v >= 0) || Double.isInfinite(v)) {
                String layer = layout == null ? "" : " of layer '" + layout.layerName() + "'";
                throw new InvalidLearningRateException(name() + layer + ": " + e.getKey() + " is " + v
                        + " at iteration " + iteration + " (epoch " + epoch + ")"
                        + (learningRateSchedule != null ? ", from the schedule " + learningRateSchedule : "")
                        + "; a rate must be finite and >= 0. Nothing was updated. Fix the schedule or the rate.");
            }
        }
    }

    /**
     * The copy an updater reports from {@code getConfig()} for a skipped step: its rate is 0, so the decoupled
     * weight decay DL4J adds after the updater ({@code lr * coeff * W}) adds nothing and the weights stay exact.
     */
    public ShapeAwareUpdater skippedStep() {
        ShapeAwareUpdater c = clone();
        c.skippedStep = true;
        return c;
    }

    /** The fallback AdamW rate at this step: its configured rate times the main rate's current/base ratio. */
    public double fallbackLearningRate(int iteration, int epoch) {
        return fallback.learningRate() * getLearningRate(iteration, epoch) / learningRate;
    }

    /**
     * True if the config's weight decay is coupled L2 ({@code g += wd * W} before the updater, DL4J's
     * {@code L2Regularization}) rather than decoupled; AM-SGD uses coupled decay (spec B.4).
     */
    public boolean coupledDecay() {
        return false;
    }

    /**
     * Coefficient of DL4J's decoupled {@code WeightDecay(coeff, applyLR=true)}, which multiplies it by the main
     * learning rate, that gives parameter {@code p} the decay {@code lr_p * lambda_p * W} of the reference.
     */
    public double decayCoefficient(ParamLayout p) {
        return usesMatrixRule(p) ? weightDecay : fallback.weightDecay() * fallback.learningRate() / learningRate;
    }

    /** A copy of this config that knows its place in the network (written by {@code Optimizers.prepare}). */
    public ShapeAwareUpdater withPlan(NetworkPlan plan) {
        ShapeAwareUpdater c = clone();
        c.plan = Objects.requireNonNull(plan, "plan");
        return c;
    }

    /** The network plan written by {@code Optimizers.prepare}, or null. */
    public NetworkPlan plan() {
        return plan;
    }

    /**
     * Configs whose parameters share a same-step cross-layer rule return the same non-null key (e.g. AM-SGD's global
     * beta); default none.
     */
    public String crossLayerRuleKey() {
        return null;
    }

    /**
     * The cross-layer rule over the given member configs (all with this config's key), validating that they can share
     * it; called by {@code Optimizers.prepare} (to size the context) and by the network's leader block.
     */
    public CrossLayerRule crossLayerRule(List<ShapeAwareUpdater> members) {
        throw new UnsupportedOperationException(name() + " has no cross-layer rule");
    }

    /** The gate deciding at which iterations this layer is updated, or null for every iteration. */
    public UpdateGate updateGate() {
        return null;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    /**
     * Sets the main rate (as {@code MultiLayerNetwork.setLearningRate} does) and scales the fallback rate by the same
     * factor, keeping their ratio.
     */
    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        double base = lrSchedule != null ? lrSchedule.valueAt(0, 0) : lr;
        Check.positive(name() + ".learningRate", base);
        fallback = fallback.withLearningRate(fallback.learningRate() * base / learningRate);
        learningRate = base;
        learningRateSchedule = lrSchedule;
    }

    public ISchedule learningRateSchedule() {
        return learningRateSchedule;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public AdamWFallback fallback() {
        return fallback;
    }

    public Set<ParamRole> matrixRoles() {
        return Collections.unmodifiableSet(matrixRoles);
    }

    public NonFiniteGradientPolicy nonFiniteGradients() {
        return nonFiniteGradients;
    }

    /** Equality of the fields this base class holds; subclasses combine it with their own. */
    protected boolean baseEquals(ShapeAwareUpdater o) {
        return Double.compare(learningRate, o.learningRate) == 0
                && Objects.equals(learningRateSchedule, o.learningRateSchedule)
                && Double.compare(weightDecay, o.weightDecay) == 0
                && fallback.equals(o.fallback)
                && matrixRoles.equals(o.matrixRoles)
                && fallbackLayers.equals(o.fallbackLayers)
                && matrixRuleLayers.equals(o.matrixRuleLayers)
                && nonFiniteGradients == o.nonFiniteGradients
                && Objects.equals(layout, o.layout)
                && Objects.equals(plan, o.plan)
                && skippedStep == o.skippedStep;
    }

    protected int baseHashCode() {
        return Objects.hash(
                learningRate,
                learningRateSchedule,
                weightDecay,
                fallback,
                matrixRoles,
                fallbackLayers,
                matrixRuleLayers,
                nonFiniteGradients,
                layout,
                plan);
    }

    /**
     * Builder fields shared by every shape-aware optimizer: the main rate, its schedule, weight decay and the
     * non-finite gradient policy.
     *
     * @param <B> the concrete builder
     */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B>> {
        protected double learningRate;
        protected ISchedule learningRateSchedule;
        protected double weightDecay;
        protected NonFiniteGradientPolicy nonFiniteGradients = NonFiniteGradientPolicy.THROW;

        protected Builder(double defaultLearningRate) {
            this.learningRate = defaultLearningRate;
        }

        /** Main learning rate. */
        public B learningRate(double lr) {
            this.learningRate = lr;
            return (B) this;
        }

        /** Schedule for the main rate; every rate derived from it follows it proportionally. */
        public B learningRateSchedule(ISchedule s) {
            this.learningRateSchedule = s;
            return (B) this;
        }

        /** Weight decay of the parameters the optimizer's own rule updates. */
        public B weightDecay(double wd) {
            this.weightDecay = wd;
            return (B) this;
        }

        /** What a NaN/Inf anywhere in the network's gradient does to the whole step: THROW (default) or SKIP. */
        public B nonFiniteGradients(NonFiniteGradientPolicy p) {
            this.nonFiniteGradients = p;
            return (B) this;
        }

        /** Copies the shared fields into a new config and validates it. */
        protected <U extends ShapeAwareUpdater> U fill(U u) {
            u.learningRate = learningRateSchedule != null ? learningRateSchedule.valueAt(0, 0) : learningRate;
            u.learningRateSchedule = learningRateSchedule;
            u.weightDecay = weightDecay;
            u.nonFiniteGradients = nonFiniteGradients;
            fillMore(u);
            u.validate();
            return u;
        }

        /** Hook for builders with more shared fields. */
        protected void fillMore(ShapeAwareUpdater u) {}
    }

    /**
     * Builder of the Muon family (Muon, Drop-Muon, FISMO, LANTON), whose matrix rule serves some parameters and the
     * built-in AdamW fallback the others: the routing and fallback options exist only here.
     *
     * @param <B> the concrete builder
     */
    @SuppressWarnings("unchecked")
    public abstract static class RoutedBuilder<B extends RoutedBuilder<B>> extends Builder<B> {
        protected double adamLearningRate;
        protected double adamBeta1 = AdamWFallback.DEFAULT_BETA1;
        protected double adamBeta2 = AdamWFallback.DEFAULT_BETA2;
        protected double adamEpsilon = AdamWFallback.DEFAULT_EPSILON;
        protected double adamWeightDecay;
        protected Set<ParamRole> matrixRoles = EnumSet.of(ParamRole.HIDDEN_MATRIX, ParamRole.CONV_KERNEL);
        protected Set<String> fallbackLayers = new TreeSet<>();
        protected Set<String> matrixRuleLayers = new TreeSet<>();

        protected RoutedBuilder(double defaultLearningRate) {
            this(defaultLearningRate, AdamWFallback.DEFAULT_LEARNING_RATE);
        }

        protected RoutedBuilder(double defaultLearningRate, double defaultAdamLearningRate) {
            super(defaultLearningRate);
            this.adamLearningRate = defaultAdamLearningRate;
        }

        public B adamLearningRate(double lr) {
            this.adamLearningRate = lr;
            return (B) this;
        }

        public B adamBeta1(double b1) {
            this.adamBeta1 = b1;
            return (B) this;
        }

        public B adamBeta2(double b2) {
            this.adamBeta2 = b2;
            return (B) this;
        }

        public B adamEpsilon(double eps) {
            this.adamEpsilon = eps;
            return (B) this;
        }
        /** Decoupled weight decay of the fallback parameters: {@code W <- W(1 - adamLr*wd)}. */
        public B adamWeightDecay(double wd) {
            this.adamWeightDecay = wd;
            return (B) this;
        }

        /** Roles that get the matrix rule (default HIDDEN_MATRIX, CONV_KERNEL). VECTOR is never allowed. */
        public B matrixRoles(ParamRole... roles) {
            Set<ParamRole> s = EnumSet.noneOf(ParamRole.class);
            Collections.addAll(s, roles);
            if (s.contains(ParamRole.VECTOR)) {
                throw new IllegalArgumentException("matrixRoles: VECTOR parameters cannot take a matrix rule");
            }
            this.matrixRoles = s;
            return (B) this;
        }

        /** Layers (by name) whose parameters all go to the AdamW fallback; prepare refuses unknown names. */
        public B fallbackLayers(String... layerNames) {
            Collections.addAll(fallbackLayers, layerNames);
            return (B) this;
        }

        /** Layers (by name) whose non-vector parameters get the matrix rule whatever their role. */
        public B matrixRuleLayers(String... layerNames) {
            Collections.addAll(matrixRuleLayers, layerNames);
            return (B) this;
        }

        @Override
        protected void fillMore(ShapeAwareUpdater u) {
            u.fallback = new AdamWFallback(adamLearningRate, adamBeta1, adamBeta2, adamEpsilon, adamWeightDecay);
            u.matrixRoles = roleSet(matrixRoles);
            u.fallbackLayers = new TreeSet<>(fallbackLayers);
            u.matrixRuleLayers = new TreeSet<>(matrixRuleLayers);
        }
    }
}
