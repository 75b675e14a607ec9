package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's decoupled {@link WeightDecay} ({@code update += lr * coeff * W}, applied by the updater block after the
 * updater, on the old weights: exactly {@code W <- W(1 - lr*lambda) - lr*u} of AdamW and Muon), installed by
 * {@link org.dl4jopt.Optimizers#prepare}. A subclass only so that preparing twice replaces it instead of adding it
 * again, and so that a user's own {@code WeightDecay} can be told apart (and refused, to avoid decaying twice).
 */
public class DecoupledWeightDecay extends WeightDecay {
    private static final long serialVersionUID = 1L;

    /** Iterations at which the layer is updated (Drop-Muon); null: every iteration. */
    @JsonProperty("gate")
    private final UpdateGate gate;

    public DecoupledWeightDecay(double coeff) {
        this(new FixedSchedule(coeff), null);
    }

    public DecoupledWeightDecay(double coeff, UpdateGate gate) {
        this(new FixedSchedule(coeff), gate);
    }

    @JsonCreator
    public DecoupledWeightDecay(@JsonProperty("coeff") ISchedule coeff, @JsonProperty("gate") UpdateGate gate) {
        super(coeff, true);
        this.gate = gate;
    }

    public UpdateGate gate() {
        return gate;
    }

    /** Decays like DL4J's WeightDecay, except at iterations where the gate freezes the layer. */
    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        if (gate == null || gate.active(iteration)) super.apply(param, gradView, lr, iteration, epoch);
    }

    /**
     * Decoupled decay is not a penalty term of the loss, so it adds nothing to the reported score (DL4J's own
     * WeightDecay adds {@code coeff/2 * ||W||^2}); loss curves stay comparable across optimizers.
     */
    @Override
    public double score(INDArray param, int iteration, int epoch) {
        return 0.0;
    }

    @Override
    public Regularization clone() {
        return new DecoupledWeightDecay(getCoeff().clone(), gate);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecoupledWeightDecay
                && getCoeff().equals(((DecoupledWeightDecay) o).getCoeff())
                && java.util.Objects.equals(gate, ((DecoupledWeightDecay) o).gate);
    }

    @Override
    public int hashCode() {
        return 31 * getCoeff().hashCode() + java.util.Objects.hashCode(gate);
    }
}
