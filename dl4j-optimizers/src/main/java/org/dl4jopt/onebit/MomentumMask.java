package org.dl4jopt.onebit;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The momentum mask of 1-bit Adam (spec A.2, A.7; DeepSpeed's {@code exp_avg_mask}), generalised from structurally
 * zero entries to entries whose frozen variance is negligible within their compression unit:
 * <pre>
 *   keep_i = 1  if  sqrt(v_i) &gt; tau * RMS(sqrt(v))   (RMS over the unit: RMS(sqrt(v)) = sqrt(mean(v)))
 *   keep_i = 0  otherwise (always for v_i = 0 when tau &gt; 0)
 * </pre>
 * Why: a 1-bit code cannot express a small value, every kept entry moves by {@code lr S / (sqrt(v_i) + eps)} with
 * {@code S} the unit's RMS momentum, so an entry with {@code sqrt(v_i) << RMS(sqrt(v))} takes a step
 * {@code RMS(sqrt v)/sqrt(v_i)} times Adam's; the mask bounds that factor by {@code 1/tau}. Masked entries keep
 * {@code m = 0} (they stop moving, apart from weight decay) and their worker/server errors are held at 0, so they never
 * feed a discarded code's error back into the unit's scales. v is frozen during compression, so the mask is a pure
 * function of the saved state (nothing extra to save, identical on all workers).
 */
public final class MomentumMask {
    private MomentumMask() {}

    /**
     * Writes {@code keep} (same length as {@code v}, 0/1) for threshold {@code tau > 0}; returns the number of masked
     * entries. O(1) host reads (two reductions).
     */
    public static long compute(INDArray v, double tau, INDArray keep) {
        if (!(tau > 0)) throw new IllegalArgumentException("MomentumMask: tau must be > 0, got " + tau);
        if (keep.length() != v.length()) {
            throw new IllegalArgumentException("MomentumMask: keep has " + keep.length() + " entries, v " + v.length());
        }
        double meanV = v.sumNumber().doubleValue() / v.length();
        double threshold = tau * tau * meanV; // sqrt(v_i) > tau sqrt(mean v)  <=>  v_i > tau^2 mean v
        keep.assign(v).subi(threshold);
        Transforms.step(keep, false); // x > 0 ? 1 : 0
        return keep.length() - Math.round(keep.sumNumber().doubleValue());
    }
}
