package org.dl4jopt.lanton;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code ||D||_nuc} = sum of singular values, from the eigenvalues of the small-side Gram matrix in double
 * ({@code sum sqrt(max(lam, 0))}, spec 0.4). Buffers reused per shape.
 */
final class NuclearNorm {
    private final INDArray d;
    private final INDArray dFlat;
    private final INDArray gram;
    private final INDArray lam;

    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    NuclearNorm(long rows, long cols) {
        long k = Math.min(rows, cols);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            d = Nd4j.create(DataType.DOUBLE, rows, cols);
            gram = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
            lam = Nd4j.create(DataType.DOUBLE, k);
            dFlat = d.reshape(rows * cols);
        }
    }

    /**
     * The norm of the 'c'-order {@code rows x cols} matrix whose elements {@code flat} holds in order (a flat copy: no
     * matrix view of the caller's buffer to make each step).
     */
    double ofFlat(INDArray flat) {
        dFlat.assign(flat);
        boolean tall = d.rows() > d.columns();
        Nd4j.gemm(d, d, gram, tall, !tall, 1.0, 0.0);
        Nd4j.getBlasWrapper().syev('N', 'L', gram, lam);
        return Transforms.sqrt(Transforms.max(lam, 0.0, false), false)
                .sumNumber()
                .doubleValue();
    }
}
