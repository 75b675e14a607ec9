package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bias-corrected Adam step of the Muon reference's {@code adam_update} (decay is applied outside, decoupled):
 * <pre>
 *   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
 *   u = (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * </pre>
 * computed in place with ND4J's fused Adam op, which places eps after folding the bias corrections into the step
 * ({@code lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps')}); passing {@code eps' = eps*sqrt(1-b2^t)} makes the two
 * identical.
 */
public final class AdamWKernel {
    private AdamWKernel() {}

    /**
     * @param g         gradient, replaced by {@code lr * u}
     * @param m         first moment, same length as g
     * @param v         second moment, same length as g
     * @param iteration DL4J's 0-based iteration; the bias-correction step is {@code t = iteration + 1}
     */
    public static void apply(INDArray g, INDArray m, INDArray v, double lr, AdamWFallback hp, int iteration) {
        int t = iteration + 1;
        double epsPrime = hp.epsilon() * Math.sqrt(1.0 - Math.pow(hp.beta2(), t));
        Nd4j.exec(new AdamUpdater(g, v, m, lr, hp.beta1(), hp.beta2(), epsPrime, iteration));
        if (lr == 0) {
            g.assign(0); // the fused op substitutes eps for a zero step size; a zero rate must mean no step
        }
    }
}
