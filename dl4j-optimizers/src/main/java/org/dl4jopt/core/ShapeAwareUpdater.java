package org.dl4jopt.core;

import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

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
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
public abstract class ShapeAwareUpdater implements IUpdater {
    protected double learningRate;
    protected ISchedule learningRateSchedule;
    protected double weightDecay;
    protected AdamWFallback fallback = new AdamWFallback();
    protected EnumSet<ParamRole> matrixRoles = EnumSet.of(ParamRole.HIDDEN_MATRIX, ParamRole.CONV_KERNEL);
    protected TreeSet<String> fallbackLayers = new TreeSet<>();
    protected TreeSet<String> matrixRuleLayers = new TreeSet<>();
    protected NonFiniteGradientPolicy nonFiniteGradients = NonFiniteGradientPolicy.THROW;
    protected LayerLayout layout;

    protected ShapeAwareUpdater() {
    }

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
    }

    static EnumSet<ParamRole> roleSet(Set<ParamRole> roles) {
        EnumSet<ParamRole> s = EnumSet.noneOf(ParamRole.class);
        s.addAll(roles);
        return s;
    }

    /** Short name used in messages, e.g. "Muon". */
    public abstract String name();

    /** State elements the matrix rule needs for parameter {@code p}. */
    protected abstract long matrixStateSize(ParamLayout p);

    @Override
    public abstract ShapeAwareUpdater clone();

    /** A new update rule for one updater block of this config. */
    protected abstract ShapeAwareGradientUpdater<?> newUpdater();

    /** A new update rule without state (for wrappers that call {@link ShapeAwareGradientUpdater#matrixStep}). */
    public ShapeAwareGradientUpdater<?> ruleOnly() {
        return newUpdater();
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        ShapeAwareGradientUpdater<?> u = newUpdater();
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
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
            throw new IllegalArgumentException(name() + ": layers " + both
                    + " are listed both in fallbackLayers and matrixRuleLayers");
        }
    }

    /** A copy of this config that serves the given layer. */
    public ShapeAwareUpdater withLayout(LayerLayout layout) {
        ShapeAwareUpdater c = clone();
        c.layout = Objects.requireNonNull(layout, "layout");
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

    /** State elements parameter {@code p} needs: the matrix rule's, or AdamW's two moments. */
    public long stateNeed(ParamLayout p) {
        return usesMatrixRule(p) ? matrixStateSize(p) : 2 * p.length();
    }

    @Override
    public long stateSize(long numParams) {
        return StateLayout.slotSize(this, requireLayout(), numParams);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
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

    /**
     * A copy of this config that knows where every parameter's state lives in the network's state array, for
     * optimizers that combine statistics across layers; the default needs none and returns itself.
     */
    public ShapeAwareUpdater withNetworkStateLayout(NetworkStateLayout layout) {
        return this;
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

    public ISchedule learningRateSchedule() { return learningRateSchedule; }
    public double weightDecay() { return weightDecay; }
    public AdamWFallback fallback() { return fallback; }
    public Set<ParamRole> matrixRoles() { return Collections.unmodifiableSet(matrixRoles); }
    public NonFiniteGradientPolicy nonFiniteGradients() { return nonFiniteGradients; }

    /** Equality of the fields this base class holds; subclasses combine it with their own. */
    protected boolean baseEquals(ShapeAwareUpdater o) {
        return Double.compare(learningRate, o.learningRate) == 0
                && Objects.equals(learningRateSchedule, o.learningRateSchedule)
                && Double.compare(weightDecay, o.weightDecay) == 0 && fallback.equals(o.fallback)
                && matrixRoles.equals(o.matrixRoles) && fallbackLayers.equals(o.fallbackLayers)
                && matrixRuleLayers.equals(o.matrixRuleLayers) && nonFiniteGradients == o.nonFiniteGradients
                && Objects.equals(layout, o.layout);
    }

    protected int baseHashCode() {
        return Objects.hash(learningRate, learningRateSchedule, weightDecay, fallback, matrixRoles, fallbackLayers,
                matrixRuleLayers, nonFiniteGradients, layout);
    }

    /**
     * Builder fields shared by every shape-aware optimizer.
     *
     * @param <B> the concrete builder
     */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B>> {
        protected double learningRate;
        protected ISchedule learningRateSchedule;
        protected double weightDecay;
        protected double adamLearningRate = AdamWFallback.DEFAULT_LEARNING_RATE;
        protected double adamBeta1 = AdamWFallback.DEFAULT_BETA1;
        protected double adamBeta2 = AdamWFallback.DEFAULT_BETA2;
        protected double adamEpsilon = AdamWFallback.DEFAULT_EPSILON;
        protected double adamWeightDecay;
        protected Set<ParamRole> matrixRoles = EnumSet.of(ParamRole.HIDDEN_MATRIX, ParamRole.CONV_KERNEL);
        protected Set<String> fallbackLayers = new TreeSet<>();
        protected Set<String> matrixRuleLayers = new TreeSet<>();
        protected NonFiniteGradientPolicy nonFiniteGradients = NonFiniteGradientPolicy.THROW;

        protected Builder(double defaultLearningRate) {
            this.learningRate = defaultLearningRate;
        }

        /** Main learning rate (the matrix rule's). */
        public B learningRate(double lr) { this.learningRate = lr; return (B) this; }

        /** Schedule for the main rate; the fallback rate follows it proportionally. */
        public B learningRateSchedule(ISchedule s) {
            this.learningRateSchedule = s;
            return (B) this;
        }

        /** Decoupled weight decay of the matrix-rule parameters: {@code W <- W(1 - lr*wd)}. */
        public B weightDecay(double wd) { this.weightDecay = wd; return (B) this; }

        public B adamLearningRate(double lr) { this.adamLearningRate = lr; return (B) this; }
        public B adamBeta1(double b1) { this.adamBeta1 = b1; return (B) this; }
        public B adamBeta2(double b2) { this.adamBeta2 = b2; return (B) this; }
        public B adamEpsilon(double eps) { this.adamEpsilon = eps; return (B) this; }
        /** Decoupled weight decay of the fallback parameters: {@code W <- W(1 - adamLr*wd)}. */
        public B adamWeightDecay(double wd) { this.adamWeightDecay = wd; return (B) this; }

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

        /** Layers (by name) whose parameters all go to the AdamW fallback. */
        public B fallbackLayers(String... layerNames) {
            Collections.addAll(fallbackLayers, layerNames);
            return (B) this;
        }

        /** Layers (by name) whose non-vector parameters get the matrix rule whatever their role. */
        public B matrixRuleLayers(String... layerNames) {
            Collections.addAll(matrixRuleLayers, layerNames);
            return (B) this;
        }

        public B nonFiniteGradients(NonFiniteGradientPolicy p) { this.nonFiniteGradients = p; return (B) this; }

        /** Copies the shared fields into a new config and validates it. */
        protected <U extends ShapeAwareUpdater> U fill(U u) {
            u.learningRate = learningRateSchedule != null ? learningRateSchedule.valueAt(0, 0) : learningRate;
            u.learningRateSchedule = learningRateSchedule;
            u.weightDecay = weightDecay;
            u.fallback = new AdamWFallback(adamLearningRate, adamBeta1, adamBeta2, adamEpsilon, adamWeightDecay);
            u.matrixRoles = roleSet(matrixRoles);
            u.fallbackLayers = new TreeSet<>(fallbackLayers);
            u.matrixRuleLayers = new TreeSet<>(matrixRuleLayers);
            u.nonFiniteGradients = nonFiniteGradients;
            u.validate();
            return u;
        }
    }
}
