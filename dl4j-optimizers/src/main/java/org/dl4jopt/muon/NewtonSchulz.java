package org.dl4jopt.muon;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * The quintic Newton-Schulz iteration that approximates {@code polar(G) = U V^T} (Muon, Keller Jordan 2024; spec
 * section 1.1), shared by every optimizer that orthogonalizes:
 * <pre>
 *   X = G / (s*||G||_F + eps);  transpose if rows &gt; cols, so X is r x c with r &lt;= c
 *   repeat k times:  A = X X^T;  B = b*A + c*A^2;  X = a*X + B X      (as X = (a*I + B) X, one GEMM)
 * </pre>
 * Per step {@code 4r^2c + 2r^3} flops, all ND4J GEMMs (cuBLAS on the CUDA backend). Work buffers are kept per shape
 * outside any DL4J workspace and reused; the iteration runs in the input's data type.
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
        INDArray out = g.dup();
        orthogonalizeInPlace(out, 1.0);
        return out;
    }

    /** Replaces the 2-D array (or view) {@code m} by {@code scale * NS_k(m)}. */
    public void orthogonalizeInPlace(INDArray m, double scale) {
        if (m.rank() != 2) throw new IllegalArgumentException("Newton-Schulz needs a matrix, got shape "
                + java.util.Arrays.toString(m.shape()));
        INDArray src = m.rows() > m.columns() ? m.transpose() : m;
        Work w = work(src.rows(), src.columns(), m.dataType());
        double norm = m.norm2Number().doubleValue();
        w.x.assign(src).muli(1.0 / (coefficients.normScale() * norm + epsilon));
        for (int j = 0; j < steps; j++) {
            double[] abc = coefficients.step(j);
            Nd4j.gemm(w.x, w.x, w.a, false, true, 1.0, 0.0);           // A = X X^T
            Nd4j.gemm(w.a, w.a, w.b, false, false, abc[2], 0.0);       // B = c A^2
            Nd4j.exec(new Axpy(w.a, w.b, w.b, abc[1]));                  // B += b A
            Nd4j.exec(new Axpy(w.eye, w.b, w.b, abc[0]));                // B += a I
            Nd4j.gemm(w.b, w.x, w.y, false, false, j == steps - 1 ? scale : 1.0, 0.0); // Y = (aI + B) X
            INDArray t = w.x;
            w.x = w.y;
            w.y = t;
        }
        src.assign(w.x);
    }

    /** Bytes of the reusable work buffers held now. */
    public long workBytes() {
        long n = 0;
        for (Work w : work.values()) {
            n += (w.x.length() + w.y.length() + w.a.length() + w.b.length() + w.eye.length())
                    * w.x.dataType().width();
        }
        return n;
    }

    private Work work(long r, long c, DataType type) {
        return work.computeIfAbsent(r + "x" + c + ":" + type, k -> new Work(r, c, type));
    }

    /** Buffers for one {@code r x c} shape: X and Y ({@code r x c}), A, B and the identity ({@code r x r}). */
    private static final class Work {
        INDArray x;
        INDArray y;
        final INDArray a;
        final INDArray b;
        final INDArray eye;

        Work(long r, long c, DataType type) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                x = Nd4j.createUninitialized(type, new long[] {r, c}, 'f');
                y = Nd4j.createUninitialized(type, new long[] {r, c}, 'f');
                a = Nd4j.createUninitialized(type, new long[] {r, r}, 'f');
                b = Nd4j.createUninitialized(type, new long[] {r, r}, 'f');
                eye = Nd4j.eye(r).castTo(type).dup('f');
            }
        }
    }
}
