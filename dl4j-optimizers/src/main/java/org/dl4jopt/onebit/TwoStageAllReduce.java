package org.dl4jopt.onebit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DeepSpeed's two-stage error-compensated 1-bit all-reduce (spec A.4), as the arithmetic every worker performs: pad
 * to {@code N' = } a multiple of {@code W * lcm(W, 8)}, each worker compresses {@code m_r + workerErr_r} with one
 * scale, server {@code r} averages chunk {@code r} of every worker's decompressed vector, adds its
 * {@code serverErr_r} and compresses it again with one scale per chunk; the result is the concatenation of the
 * decompressed server chunks, cut back to {@code N}. Here all workers' data are in one process (the single-worker
 * case, tests, and the reference the distributed exchange must match); an instance keeps its buffers.
 */
public final class TwoStageAllReduce {
    private final long n;
    private final long chunk;
    private final INDArray[] z;
    private final INDArray a;
    private final INDArray result;

    /** Buffers for vectors of length {@code n} over {@code w} workers, reused by every {@link #apply} call. */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    public TwoStageAllReduce(long n, int w, DataType type) {
        this.n = n;
        long padded = paddedLength(n, w);
        this.chunk = padded / w;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            z = new INDArray[w];
            for (int r = 0; r < w; r++) z[r] = Nd4j.create(type, padded);
            a = Nd4j.create(type, chunk);
            result = Nd4j.create(type, padded);
        }
    }

    /** {@code N'} for a vector of length {@code n} over {@code w} workers. */
    public static long paddedLength(long n, int w) {
        long l = (long) w * 8 / gcd(w, 8);
        long b = w * l;
        return n % b == 0 ? n : n + (b - n % b);
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Scales of the last call, for inspection: worker scales {@code s_r} and server scales {@code S_r}. */
    public static final class Scales {
        public final double[] worker;
        public final double[] server;

        Scales(double[] worker, double[] server) {
            this.worker = worker;
            this.server = server;
        }
    }

    /** One-off reduction with fresh buffers (tests, simulations); see {@link #apply}. */
    public static Scales reduce(INDArray[] momenta, INDArray[] workerErr, INDArray[] serverErr) {
        return new TwoStageAllReduce(momenta[0].length(), momenta.length, momenta[0].dataType())
                .apply(momenta, workerErr, serverErr);
    }

    /**
     * @param momenta     each worker's momentum (length N, flat); replaced by the common result
     * @param workerErr   each worker's error (length N'), updated
     * @param serverErr   each worker's served-chunk error (length N'/W), updated
     */
    public Scales apply(INDArray[] momenta, INDArray[] workerErr, INDArray[] serverErr) {
        int w = momenta.length;
        if (w != z.length || momenta[0].length() != n) {
            throw new IllegalArgumentException("TwoStageAllReduce built for " + z.length + " workers of length " + n
                    + ", got " + w + " of length " + momenta[0].length());
        }
        double[] s = new double[w];
        for (int r = 0; r < w; r++) {
            z[r].assign(workerErr[r]);
            z[r].get(NDArrayIndex.interval(0, n)).addi(momenta[r]);
            s[r] = OneBitCompressor.compress(z[r], workerErr[r]); // z[r] now holds the signs
        }
        double[] big = new double[w];
        for (int r = 0; r < w; r++) {
            a.assign(serverErr[r]);
            for (int i = 0; i < w; i++) {
                Nd4j.exec(new Axpy(z[i].get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk)), a, a, s[i] / w));
            }
            big[r] = OneBitCompressor.compress(a, serverErr[r]);
            result.get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk))
                    .assign(a)
                    .muli(big[r]);
        }
        for (INDArray m : momenta) m.assign(result.get(NDArrayIndex.interval(0, n)));
        return new Scales(s, big);
    }
}
