package org.dl4jopt.onebit;

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
 * case, tests, and the reference the distributed exchange must match).
 */
public final class TwoStageAllReduce {
    private TwoStageAllReduce() {
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

    /**
     * @param momenta     each worker's momentum (length N, flat); replaced by the common result
     * @param workerErr   each worker's error (length N'), updated
     * @param serverErr   each worker's served-chunk error (length N'/W), updated
     */
    public static Scales reduce(INDArray[] momenta, INDArray[] workerErr, INDArray[] serverErr) {
        int w = momenta.length;
        long n = momenta[0].length();
        long padded = paddedLength(n, w);
        long chunk = padded / w;
        INDArray[] signs = new INDArray[w];
        double[] s = new double[w];
        for (int r = 0; r < w; r++) {
            INDArray z = Nd4j.zeros(momenta[r].dataType(), padded);
            z.get(NDArrayIndex.interval(0, n)).assign(momenta[r]);
            z.addi(workerErr[r]);
            s[r] = OneBitCompressor.compress(z, workerErr[r]);
            signs[r] = z;
        }
        double[] big = new double[w];
        INDArray result = Nd4j.create(momenta[0].dataType(), padded);
        for (int r = 0; r < w; r++) {
            INDArray a = serverErr[r].dup();
            for (int i = 0; i < w; i++) {
                Nd4j.exec(new Axpy(signs[i].get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk)), a, a, s[i] / w));
            }
            big[r] = OneBitCompressor.compress(a, serverErr[r]);
            result.get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk)).assign(a.muli(big[r]));
        }
        for (INDArray m : momenta) m.assign(result.get(NDArrayIndex.interval(0, n)));
        return new Scales(s, big);
    }
}
