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
    /** Per thread: zeros in FLOAT [0] and DOUBLE [1], as long as the longest array tested so far. */
    private static final ThreadLocal<INDArray[]> ZEROS = ThreadLocal.withInitial(() -> new INDArray[2]);

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

    /**
     * True if {@code a} holds a NaN or an infinity: the BLAS dot product with zeros, a sum of {@code a_i * 0}, which
     * is 0 for every finite {@code a_i} (no overflow, however large) and NaN for a NaN or an infinity; one fast pass
     * and one scalar back. HALF, BFLOAT16 and non-contiguous arrays are first copied into a DOUBLE buffer: ND4J
     * 1.0.0-M2.1's match-condition count ({@code Conditions.notFinite()}) misses NaN in HALF arrays.
     */
    public static boolean hasNonFinite(INDArray a) {
        DataType t = a.dataType();
        INDArray x = (t == DataType.FLOAT || t == DataType.DOUBLE) && a.elementWiseStride() == 1 ? a : wide(0, a);
        INDArray zeros = atLeast(ZEROS.get(), x.dataType() == DataType.FLOAT ? 0 : 1, x.dataType(), x.length());
        // level-1 dot over the first n elements of both: no view of the zeros to make
        return Double.isNaN(Nd4j.getBlasWrapper().level1().dot(x.length(), 0.0, x, zeros));
    }

    /**
     * {@code max |x_i|} of a contiguous array. FLOAT/DOUBLE: BLAS {@code i?amax} (one pass, an index back); it reads
     * the elements at the returned index and the one before and keeps the larger, which is right whether the backend's
     * index is 0-based (CBLAS) or 1-based (Fortran BLAS convention). Other types: ND4J's amax reduction.
     */
    public static double maxAbs(INDArray a) {
        DataType t = a.dataType();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || a.elementWiseStride() != 1 || a.isEmpty()) {
            return a.amaxNumber().doubleValue();
        }
        long n = a.length();
        INDArray flat = a.rank() == 1 ? a : a.reshape(n);
        int i = Nd4j.getBlasWrapper().level1().iamax(n, flat, 1);
        long at = Math.min(Math.max(i, 0), n - 1);
        double v = Math.abs(flat.getDouble(at));
        return at > 0 ? Math.max(v, Math.abs(flat.getDouble(at - 1))) : v;
    }

    /** {@code sum(|x|)} of a flat array, in double for HALF and BFLOAT16. */
    public static double norm1(INDArray flat) {
        return (narrow(flat.dataType()) ? wide(0, flat) : flat).norm1Number().doubleValue();
    }

    /** A DOUBLE copy of {@code a} in this thread's reusable buffer {@code slot} (valid until the next call). */
    private static INDArray wide(int slot, INDArray a) {
        long n = a.length();
        INDArray w = atLeast(WIDE.get(), slot, DataType.DOUBLE, n).get(NDArrayIndex.interval(0, n));
        w.assign(a.reshape(n));
        return w;
    }

    /**
     * This thread's reusable buffer {@code bufs[slot]} of type {@code t}, at least {@code n} long (grown by doubling,
     * outside any DL4J workspace; a new buffer is zeros).
     */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    private static INDArray atLeast(INDArray[] bufs, int slot, DataType t, long n) {
        if (bufs[slot] == null || bufs[slot].length() < n) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                bufs[slot] = Nd4j.zeros(t, Math.max(n, 2 * (bufs[slot] == null ? 0 : bufs[slot].length())));
            }
        }
        return bufs[slot];
    }
}
