package org.dl4jopt.core;

import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's coupled {@link L2Regularization} ({@code g += coeff * W} before the updater), installed by
 * {@link org.dl4jopt.Optimizers#prepare} for optimizers whose reference uses coupled decay (AM-SGD). A subclass only
 * so that preparing twice replaces it.
 */
public class CoupledL2 extends L2Regularization {
    private static final long serialVersionUID = 1L;

    public CoupledL2(double coeff) {
        this(new FixedSchedule(coeff));
    }

    @JsonCreator
    public CoupledL2(@JsonProperty("l2") ISchedule coeff) {
        super(coeff);
    }

    @Override
    public Regularization clone() {
        return new CoupledL2(getL2().clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CoupledL2 && getL2().equals(((CoupledL2) o).getL2());
    }

    @Override
    public int hashCode() {
        return 31 * getL2().hashCode() + 11;
    }
}
