package org.dl4jopt.fismo;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code S^-1} and {@code S^-1/2} of a symmetric positive (semi)definite {@code k x k} matrix from one symmetric
 * eigendecomposition in double precision (LAPACK {@code syev} through ND4J, cuSOLVER on CUDA):
 * {@code S = V diag(lam) V^T}, {@code lam_i <- max(lam_i, floor * mean(lam))}, {@code S^p = V diag(lam^p) V^T}.
 * Buffers are kept for the size and reused.
 */
public final class SpdRoots {
    private final double floor;
    private final INDArray v;
    private final INDArray lam;
    private final INDArray powers;
    private final INDArray scaled;
    private final INDArray out;

    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    public SpdRoots(long k, double floor) {
        this.floor = floor;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            v = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
            lam = Nd4j.create(DataType.DOUBLE, k);
            powers = Nd4j.create(DataType.DOUBLE, k);
            scaled = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
            out = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
        }
    }

    /** Writes {@code s^-1} into {@code inv} and {@code s^-1/2} into {@code invSqrt} (any data type, k x k). */
    public void compute(INDArray s, INDArray inv, INDArray invSqrt) {
        v.assign(s);
        Nd4j.getBlasWrapper().syev('V', 'L', v, lam);
        double mean = lam.meanNumber().doubleValue();
        double min = Math.max(floor * Math.abs(mean), Double.MIN_NORMAL);
        Transforms.max(lam, min, false);
        reconstruct(Transforms.pow(powers.assign(lam), -1.0, false), inv);
        reconstruct(Transforms.pow(powers.assign(lam), -0.5, false), invSqrt);
    }

    private void reconstruct(INDArray powers, INDArray target) {
        scaled.assign(v).muliRowVector(powers.reshape(1, powers.length())); // V diag(p)
        Nd4j.gemm(scaled, v, out, false, true, 1.0, 0.0); // V diag(p) V^T
        target.assign(out);
    }
}
