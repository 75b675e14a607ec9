package org.dl4jopt.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small shared reductions, written once for every optimizer. */
public final class Kernels {
    private Kernels() {}

    /**
     * {@code sum(x^2)} of a contiguous flat array, as a BLAS dot product (several times faster than ND4J's norm2
     * reduction on the CPU backend; cuBLAS on CUDA). Non-finite iff some element is non-finite (or the sum
     * overflows, which only gradients that are already broken reach).
     */
    public static double sumOfSquares(INDArray flat) {
        DataType t = flat.dataType();
        if ((t == DataType.FLOAT || t == DataType.DOUBLE) && flat.elementWiseStride() == 1) {
            return Nd4j.getBlasWrapper().dot(flat, flat);
        }
        double n = flat.norm2Number().doubleValue();
        return n * n;
    }

    /** {@code sum(a * b)} of two contiguous flat arrays of the same length (BLAS dot; cuBLAS on CUDA). */
    public static double dot(INDArray a, INDArray b) {
        return Nd4j.getBlasWrapper().dot(a, b);
    }
}
