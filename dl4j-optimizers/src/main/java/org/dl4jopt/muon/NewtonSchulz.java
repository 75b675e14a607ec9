package org.dl4jopt.muon;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.dl4jopt.core.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The quintic Newton-Schulz iteration that approximates {@code polar(G) = U V^T} (Muon, Keller Jordan 2024; spec
 * section 1.1), shared by every optimizer that orthogonalizes:
 * <pre>
 *   X = G / (s*||G||_F + eps)
 *   repeat k times:  A = X X^T;  B = a*I + b*A + c*A^2;  X = B X        (rows &lt;= cols)
 *                    A = X^T X;  B = a*I + b*A + c*A^2;  X = X B        (rows &gt; cols)
 * </pre>
 * The second form is the "transpose trick" without a transposed copy: the Gram matrix is always the small side's,
 * {@code 4r^2c + 2r^3} flops per step with {@code r = min(rows, cols)}. All products are ND4J GEMMs (cuBLAS on the
 * CUDA backend) on 'c'-ordered buffers, element-wise work runs on flat views, and the buffers are kept per shape
 * outside any DL4J workspace and reused. The iteration runs in the input's data type, HALF and BFLOAT16 inputs in
 * FLOAT buffers (cast in, cast out).
 */
public final class NewtonSchulz {
    private final NsCoefficients coefficients;
    private final int steps;
    private final double epsilon;
    private final Map<String, Work> work = new HashMap<>();

    public NewtonSchulz(NsCoefficients coefficients, int steps, double epsilon) {
        if (steps < 1) throw new IllegalArgumentException("Newton-Schulz steps must be >= 1, got " + steps);
        this.coefficients = coefficients;
        this.steps = steps;
        this.epsilon = epsilon;
    }

    /** Returns {@code NS_k(g)} as a new array; {@code g} is not modified. */
    public INDArray orthogonalize(INDArray g) {
        INDArray out = g.dup('c');
        orthogonalizeInPlace(out, 1.0);
        return out;
    }

    /**
     * Replaces the matrix {@code m} by {@code scale * NS_k(m)}. {@code m} must be a contiguous 'c'-ordered matrix
     * (possibly a view of a flat segment); a contiguous 'f' matrix is its transpose in 'c' order, and
     * {@code NS(G^T) = NS(G)^T}, so callers pass that instead (see {@link org.dl4jopt.layout.ParamLayout#cView}).
     */
    public void orthogonalizeInPlace(INDArray m, double scale) {
        if (m.rank() != 2 || m.ordering() != 'c' || m.elementWiseStride() != 1) {
            throw new IllegalArgumentException("Newton-Schulz needs a contiguous 'c' matrix, got "
                    + Arrays.toString(m.shape()) + " '" + m.ordering() + "' ews " + m.elementWiseStride());
        }
        long rows = m.rows();
        long cols = m.columns();
        boolean tall = rows > cols;
        // HALF/BFLOAT16: iterate in FLOAT copies (cast in, cast out); X X^T of an 11- or 8-bit X is not orthogonal
        // enough
        Work w = work(rows, cols, Kernels.narrow(m.dataType()) ? DataType.FLOAT : m.dataType());
        INDArray mFlat = m.reshape(m.length());
        double norm = Math.sqrt(Kernels.sumOfSquares(mFlat));
        w.xFlat.assign(mFlat).muli(1.0 / (coefficients.normScale() * norm + epsilon));
        for (int j = 0; j < steps; j++) {
            double[] abc = coefficients.step(j);
            w.scaleIdentity(abc[0]); // aI = a * I
            Nd4j.gemm(w.x, w.x, w.a, tall, !tall, 1.0, 0.0); // A = X X^T, or X^T X when tall
            Nd4j.exec(new Axpy(w.aFlat, w.eyeFlat, w.bFlat, abc[1])); // B = b A + a I
            Nd4j.gemm(w.a, w.a, w.b, false, false, abc[2], 1.0); // B += c A^2
            double alpha = j == steps - 1 ? scale : 1.0;
            if (tall) Nd4j.gemm(w.x, w.b, w.y, false, false, alpha, 0.0); // Y = X B
            else Nd4j.gemm(w.b, w.x, w.y, false, false, alpha, 0.0); // Y = B X
            w.swap();
        }
        mFlat.assign(w.xFlat);
    }

    /** Bytes of the reusable work buffers held now. */
    public long workBytes() {
        long n = 0;
        for (Work w : work.values()) {
            n += (w.x.length() + w.y.length() + w.a.length() + w.b.length() + w.eyeFlat.length())
                    * w.x.dataType().width();
        }
        return n;
    }

    private Work work(long rows, long cols, DataType type) {
        return work.computeIfAbsent(rows + "x" + cols + ":" + type, k -> new Work(rows, cols, type));
    }

    /** Buffers for one shape: X and Y ({@code rows x cols}), A, B and the identity ({@code r x r}, r the small side). */
    private static final class Work {
        INDArray x;
        INDArray y;
        INDArray xFlat;
        INDArray yFlat;
        final INDArray a;
        final INDArray b;
        final INDArray aFlat;
        final INDArray bFlat;
        final INDArray eyeFlat;
        double eyeScale = 1.0;

        @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
        Work(long rows, long cols, DataType type) {
            long r = Math.min(rows, cols);
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                x = Nd4j.createUninitialized(type, new long[] {rows, cols}, 'c');
                y = Nd4j.createUninitialized(type, new long[] {rows, cols}, 'c');
                a = Nd4j.createUninitialized(type, new long[] {r, r}, 'c');
                b = Nd4j.createUninitialized(type, new long[] {r, r}, 'c');
                eyeFlat = Nd4j.eye(r).castTo(type).reshape(r * r).dup();
            }
            xFlat = x.reshape(x.length());
            yFlat = y.reshape(y.length());
            aFlat = a.reshape(a.length());
            bFlat = b.reshape(b.length());
        }

        /** Makes {@code eyeFlat} hold {@code a * I} (one op only when the coefficient changes). */
        void scaleIdentity(double a) {
            if (a != eyeScale) {
                eyeFlat.muli(a / eyeScale);
                eyeScale = a;
            }
        }

        void swap() {
            INDArray t = x;
            x = y;
            y = t;
            t = xFlat;
            xFlat = yFlat;
            yFlat = t;
        }
    }
}
