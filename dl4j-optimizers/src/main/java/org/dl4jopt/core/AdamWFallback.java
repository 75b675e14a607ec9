package org.dl4jopt.core;

import java.io.Serializable;
import java.util.Objects;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Hyperparameters of the AdamW rule that a shape-aware optimizer applies to the parameters it does not handle with
 * its matrix rule (biases, norm gains, embeddings, the output head), as {@code MuonWithAuxAdam} does in the Muon
 * reference code. Defaults are that code's: lr 3e-4, betas (0.9, 0.95), eps 1e-10, no weight decay.
 *
 * <p>{@code learningRate} is the fallback rate when the main learning rate equals its configured base value; any
 * schedule or {@code setLearningRate} on the main rate scales the fallback rate by the same factor, like a PyTorch
 * scheduler scaling every parameter group.
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class AdamWFallback implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * 3e-4, the Muon reference's, FISMO's and LANTON's default. 1e-3 was better on both reference models
     * (BENCHMARKS.md, "Defaults from measurement"), but with it FISMO's loss rose on the TinyYOLO zoo model and
     * LANTON's on VGG16; Muon and Drop-Muon, which train every zoo model with it, default to 1e-3
     * ({@code AbstractMuon.DEFAULT_ADAM_LEARNING_RATE}).
     */
    public static final double DEFAULT_LEARNING_RATE = 3e-4;

    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.95;
    public static final double DEFAULT_EPSILON = 1e-10;

    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    public AdamWFallback() {
        this(DEFAULT_LEARNING_RATE);
    }

    /** The defaults with another learning rate. */
    public AdamWFallback(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, 0.0);
    }

    @JsonCreator
    public AdamWFallback(
            @JsonProperty("learningRate") double learningRate,
            @JsonProperty("beta1") double beta1,
            @JsonProperty("beta2") double beta2,
            @JsonProperty("epsilon") double epsilon,
            @JsonProperty("weightDecay") double weightDecay) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** The fallback's state for a parameter of length {@code n}: first moment {@code M}, second moment {@code V}. */
    public static StateSpec state(long n) {
        return StateSpec.of("M", n, "V", n);
    }

    public double learningRate() {
        return learningRate;
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

    public double weightDecay() {
        return weightDecay;
    }

    AdamWFallback withLearningRate(double lr) {
        return new AdamWFallback(lr, beta1, beta2, epsilon, weightDecay);
    }

    /** Rejects values that cannot work, naming the builder field. */
    public void validate(String owner) {
        Check.positive(owner + ".adamLearningRate", learningRate);
        Check.unitInterval(owner + ".adamBeta1", beta1);
        Check.unitInterval(owner + ".adamBeta2", beta2);
        Check.positive(owner + ".adamEpsilon", epsilon);
        Check.nonNegative(owner + ".adamWeightDecay", weightDecay);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof AdamWFallback)) return false;
        AdamWFallback a = (AdamWFallback) o;
        return Double.compare(learningRate, a.learningRate) == 0
                && Double.compare(beta1, a.beta1) == 0
                && Double.compare(beta2, a.beta2) == 0
                && Double.compare(epsilon, a.epsilon) == 0
                && Double.compare(weightDecay, a.weightDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, beta1, beta2, epsilon, weightDecay);
    }

    @Override
    public String toString() {
        return "AdamW(lr=" + learningRate + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + epsilon + ", wd="
                + weightDecay + ")";
    }
}
