package org.dl4jopt.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Small shared reductions, written once for every optimizer. FLOAT and DOUBLE arrays use BLAS; HALF and BFLOAT16
 * arrays (no BLAS dot, and a sum of squares overflows HALF's 65504 long before the data do) are copied into reusable
 * per-thread DOUBLE buffers and reduced there, so every result is a double accurate to the inputs' precision.
 */
public final class Kernels {
    private static final ThreadLocal<INDArray[]> WIDE = ThreadLocal.withInitial(() -> new INDArray[2]);

    private Kernels() {}

    /** True for the types this library computes in through FLOAT/DOUBLE copies: HALF and BFLOAT16. */
    public static boolean narrow(DataType t) {
        return t == DataType.HALF || t == DataType.BFLOAT16;
    }

    /**
     * {@code sum(x^2)} of a contiguous flat array, as a BLAS dot product (several times faster than ND4J's norm2
     * reduction on the CPU backend; cuBLAS on CUDA). Non-finite iff some element is non-finite (or the sum
     * overflows, which only gradients that are already broken reach).
     */
    public static double sumOfSquares(INDArray flat) {
        DataType t = flat.dataType();
        if (narrow(t)) {
            INDArray w = wide(0, flat);
            return Nd4j.getBlasWrapper().dot(w, w);
        }
        if ((t == DataType.FLOAT || t == DataType.DOUBLE) && flat.elementWiseStride() == 1) {
            return Nd4j.getBlasWrapper().dot(flat, flat);
        }
        double n = flat.norm2Number().doubleValue();
        return n * n;
    }

    /** {@code sum(a * b)} of two contiguous flat arrays of the same length (BLAS dot; cuBLAS on CUDA). */
    public static double dot(INDArray a, INDArray b) {
        if (narrow(a.dataType()) || narrow(b.dataType())) {
            return Nd4j.getBlasWrapper().dot(wide(0, a), wide(1, b));
        }
        return Nd4j.getBlasWrapper().dot(a, b);
    }

    /** {@code sum(|x|)} of a flat array, in double for HALF and BFLOAT16. */
    public static double norm1(INDArray flat) {
        return (narrow(flat.dataType()) ? wide(0, flat) : flat).norm1Number().doubleValue();
    }

    /** A DOUBLE copy of {@code a} in this thread's reusable buffer {@code slot} (valid until the next call). */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    private static INDArray wide(int slot, INDArray a) {
        INDArray[] bufs = WIDE.get();
        long n = a.length();
        if (bufs[slot] == null || bufs[slot].length() < n) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                bufs[slot] =
                        Nd4j.create(DataType.DOUBLE, Math.max(n, 2 * (bufs[slot] == null ? 0 : bufs[slot].length())));
            }
        }
        INDArray w = bufs[slot].get(NDArrayIndex.interval(0, n));
        w.assign(a.reshape(n));
        return w;
    }
}
