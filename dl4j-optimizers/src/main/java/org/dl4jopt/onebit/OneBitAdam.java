package org.dl4jopt.onebit;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import org.dl4jopt.core.Check;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;

/**
 * 1-bit Adam (Tang et al., "1-bit Adam: Communication Efficient Large-Scale Training with Adam's Convergence Speed",
 * arXiv 2102.02888; DeepSpeed {@code OnebitAdam}; spec onebit-adam-am-momentum.md Part A), single-worker semantics:
 * <pre>
 *   t &lt;= freezeStep:  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  u = m / (sqrt(v) + eps)   (bias correction: option)
 *   t &gt;  freezeStep:  m = b1 m + (1-b1) g;  v frozen;  [m = 1-bit compressed with error feedback, if asked];  u = m / (sqrt(v) + eps)
 *   W -= lr (u + wd W)
 * </pre>
 * One compression unit per parameter tensor. {@link Builder#momentumMaskThreshold Momentum mask} (on by default)
 * ({@link MomentumMask}): entries whose frozen {@code sqrt(v)} is below {@code tau} times the unit's RMS keep
 * {@code m = 0} after the freeze. With one worker DeepSpeed does not compress; {@code compressSingleWorker}
 * runs the two-stage compressor anyway (W = 1), to study its effect. Weight decay is DeepSpeed's {@code lr * wd * W}
 * (DL4J's decoupled WeightDecay, installed by {@code Optimizers.prepare}). The multi-worker exchange
 * (module dl4j-optimizers-parallel) hands this updater, after the freeze, the gradient whose momentum step lands on the
 * workers' compressed average momentum; see {@link OneBitAdamUpdater#stateViews}.
 */
public class OneBitAdam extends ShapeAwareUpdater {
    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** The momentum mask's default {@code tau} (not DeepSpeed's 0; see {@link Builder#momentumMaskThreshold}). */
    public static final double DEFAULT_MOMENTUM_MASK_THRESHOLD = 0.01;

    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private long freezeStep = 100_000;
    private boolean biasCorrection = true; // not DeepSpeed's: see Builder#biasCorrection
    private boolean compressSingleWorker;
    private double momentumMaskThreshold = DEFAULT_MOMENTUM_MASK_THRESHOLD;

    public OneBitAdam() {
        this.learningRate = DEFAULT_LEARNING_RATE;
    }

    protected OneBitAdam(OneBitAdam o) {
        super(o);
        beta1 = o.beta1;
        beta2 = o.beta2;
        epsilon = o.epsilon;
        freezeStep = o.freezeStep;
        biasCorrection = o.biasCorrection;
        compressSingleWorker = o.compressSingleWorker;
        momentumMaskThreshold = o.momentumMaskThreshold;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "OneBitAdam";
    }

    @Override
    public void validate() {
        super.validate();
        Check.unitInterval("OneBitAdam.beta1", beta1);
        Check.unitInterval("OneBitAdam.beta2", beta2);
        Check.positive("OneBitAdam.epsilon", epsilon);
        Check.atLeast("OneBitAdam.freezeStep (the variance is estimated during the warm-up)", freezeStep, 1);
        Check.nonNegative("OneBitAdam.momentumMaskThreshold (0 = no mask)", momentumMaskThreshold);
    }

    /** Every parameter takes part (no fallback). */
    @Override
    public boolean usesMatrixRule(ParamLayout p) {
        return true;
    }

    /** DeepSpeed adds {@code wd * W} to every parameter's update. */
    @Override
    public double decayCoefficient(ParamLayout p) {
        return weightDecay;
    }

    /**
     * {@code t} (steps done, an {@link ExactCounter}: exact in every data type, so the variance freezes at
     * {@code freezeStep} in HALF and BFLOAT16 too) {@code | m | v}, plus {@code workerErr (N') | serverErr (N')} ({@code N'} the length padded to a multiple of
     * 8) only with {@link #compressSingleWorker()}: the multi-worker exchange keeps its error buffers itself.
     */
    @Override
    public StateSpec matrixState(ParamLayout p) {
        StateSpec s = StateSpec.of("t", ExactCounter.DIGITS, "M", p.length(), "V", p.length());
        if (!compressSingleWorker) return s;
        long padded = TwoStageAllReduce.paddedLength(p.length(), 1);
        return s.then(StateSpec.of("workerErr", padded, "serverErr", padded));
    }

    /** Its own second moment's epsilon (every parameter gets the OneBitAdam rule, none the AdamW fallback). */
    @Override
    protected Map<String, Double> halfSensitiveEpsilons() {
        return Collections.singletonMap("epsilon", epsilon);
    }

    @Override
    protected ShapeAwareGradientUpdater<?> newUpdater() {
        return new OneBitAdamUpdater(this);
    }

    @Override
    public OneBitAdam clone() {
        return new OneBitAdam(this);
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public long freezeStep() {
        return freezeStep;
    }

    public boolean biasCorrection() {
        return biasCorrection;
    }

    public boolean compressSingleWorker() {
        return compressSingleWorker;
    }

    public double momentumMaskThreshold() {
        return momentumMaskThreshold;
    }

    @Override
    public boolean equals(Object o) {
        if (o == null || o.getClass() != getClass()) return false;
        OneBitAdam a = (OneBitAdam) o;
        return baseEquals(a)
                && Double.compare(beta1, a.beta1) == 0
                && Double.compare(beta2, a.beta2) == 0
                && Double.compare(epsilon, a.epsilon) == 0
                && freezeStep == a.freezeStep
                && biasCorrection == a.biasCorrection
                && compressSingleWorker == a.compressSingleWorker
                && Double.compare(momentumMaskThreshold, a.momentumMaskThreshold) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                baseHashCode(),
                beta1,
                beta2,
                epsilon,
                freezeStep,
                biasCorrection,
                compressSingleWorker,
                momentumMaskThreshold);
    }

    @Override
    public String toString() {
        return "OneBitAdam(lr=" + learningRate + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + epsilon
                + ", freezeStep=" + freezeStep + ", biasCorrection=" + biasCorrection + ", compress="
                + compressSingleWorker + ", maskTau=" + momentumMaskThreshold + ", wd=" + weightDecay + ")";
    }

    /**
     * DeepSpeed's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, freezeStep 100000; except the bias-corrected
     * warm-up ({@code biasCorrection(false)} is DeepSpeed's) and the momentum mask (tau 0.01;
     * {@code momentumMaskThreshold(0)} is DeepSpeed's), both on by default.
     */
    public static class Builder extends ShapeAwareUpdater.Builder<Builder> {
        private final OneBitAdam a = new OneBitAdam();

        public Builder() {
            super(DEFAULT_LEARNING_RATE);
        }

        public Builder beta1(double v) {
            a.beta1 = v;
            return this;
        }

        public Builder beta2(double v) {
            a.beta2 = v;
            return this;
        }

        public Builder epsilon(double v) {
            a.epsilon = v;
            return this;
        }
        /** Warm-up steps of plain Adam before the variance is frozen (rule of thumb: 15-25 % of training), >= 1. */
        public Builder freezeStep(long v) {
            a.freezeStep = v;
            return this;
        }
        /**
         * Bias-corrected warm-up, freezing the corrected variance (the paper's "original Adam"); default true.
         * {@code biasCorrection(false)} is DeepSpeed's: it freezes {@code v_t}, which is {@code 1 - b2^t} times the
         * gradient's second moment (0.003 at t = 3), so after an early freeze every step is up to
         * {@code 1/sqrt(1 - b2^t)} times Adam's; with a short warm-up that diverged on LeNet even with the mask
         * (BENCHMARKS.md, "Zoo models"). At DeepSpeed's thousands of warm-up steps the two agree.
         */
        public Builder biasCorrection(boolean v) {
            a.biasCorrection = v;
            return this;
        }
        /** After the freeze, compress the momentum with error feedback even with one worker. */
        public Builder compressSingleWorker(boolean v) {
            a.compressSingleWorker = v;
            return this;
        }
        /**
         * Momentum mask threshold {@code tau >= 0} (default {@value #DEFAULT_MOMENTUM_MASK_THRESHOLD}; 0: no mask,
         * DeepSpeed parity). After the freeze, entries with {@code sqrt(v_i) <= tau * RMS(sqrt(v))} over their unit
         * (the concatenation of all OneBitAdam parameters under the multi-worker exchange, the tensor otherwise, with
         * or without compression) keep {@code m = 0}: they stop moving and never enter error feedback. Any
         * {@code tau > 0} masks the structurally zero entries ({@code v = 0}), the spec's mask (A.7); larger values
         * bound the step amplification {@code RMS(sqrt v)/sqrt(v_i)} by {@code 1/tau} (see {@link MomentumMask}).
         * Why on by default: an entry whose frozen {@code v} is ~0 (a unit dead during the warm-up) steps
         * {@code lr m / eps} once its gradient returns; at tau = 0 that made LeNet's loss rise 12.7x within five
         * frozen steps (BENCHMARKS.md, "Zoo models").
         */
        public Builder momentumMaskThreshold(double v) {
            a.momentumMaskThreshold = v;
            return this;
        }

        public OneBitAdam build() {
            return fill(new OneBitAdam(a));
        }
    }
}
