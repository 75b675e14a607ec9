package org.dl4jopt.onebit;

import org.dl4jopt.core.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The 1-bit compressor of 1-bit Adam (Tang et al., arXiv 2102.02888; DeepSpeed; spec onebit-adam-am-momentum.md
 * A.3) with error feedback: {@code sgn(z) = +1 if z >= 0 else -1} (zero maps to +1, unlike ND4J's sign),
 * {@code scale = ||z||_2 / sqrt(n)}, {@code C(z) = scale * sgn(z)}, error {@code z - C(z)}. ND4J ops only.
 */
public final class OneBitCompressor {
    private OneBitCompressor() {}

    /**
     * Replaces {@code z} (a contiguous flat array) by its signs and returns the scale; {@code error} (same length)
     * receives {@code z - scale * sgn(z)}.
     */
    public static double compress(INDArray z, INDArray error) {
        double scale = Math.sqrt(Kernels.sumOfSquares(z) / z.length());
        error.assign(z);
        signs(z);
        Nd4j.exec(new Axpy(z, error, error, -scale));
        return scale;
    }

    /** {@code z <- sgn(z)} in place: +1 where {@code z >= 0}, -1 elsewhere. */
    public static void signs(INDArray z) {
        BooleanIndexing.replaceWhere(z, 1.0, Conditions.greaterThanOrEqual(0.0));
        BooleanIndexing.replaceWhere(z, -1.0, Conditions.lessThan(0.0));
    }
}
