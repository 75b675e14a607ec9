package org.dl4jopt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Test helpers: matrices from literals, element-wise comparison, and a double-precision SVD oracle. */
public final class Mat {
    private Mat() {}

    public static INDArray of(DataType type, double[][] rows) {
        return Nd4j.createFromArray(rows).castTo(type);
    }

    public static double[][] toArray(INDArray a) {
        INDArray d = a.castTo(DataType.DOUBLE);
        return (d.rank() == 1 ? d.reshape(1, d.length()) : d).toDoubleMatrix();
    }

    /** Asserts |actual - expected| <= relTol * max|expected| element-wise (tolerance relative to the matrix scale). */
    public static void assertClose(double[][] expected, INDArray actual, double relTol) {
        double[][] a = toArray(actual);
        double scale = 0;
        for (double[] row : expected) for (double v : row) scale = Math.max(scale, Math.abs(v));
        assertEquals(expected.length, a.length, "rows");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, a[i].length, "cols");
            for (int j = 0; j < expected[i].length; j++) {
                double tol = relTol * Math.max(scale, 1e-12);
                assertTrue(
                        Math.abs(a[i][j] - expected[i][j]) <= tol,
                        "element (" + i + "," + j + "): expected " + expected[i][j] + " got " + a[i][j] + " (tol " + tol
                                + ")");
            }
        }
    }

    public static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }

    /** Singular values (descending) by one-sided Jacobi, in double: an oracle independent of ND4J. */
    public static double[] singularValues(double[][] m) {
        double[][] a = m.length > m[0].length ? m : transpose(m); // columns = the smaller side
        int rows = a.length;
        int n = a[0].length;
        double[][] u = new double[rows][];
        for (int i = 0; i < rows; i++) u[i] = a[i].clone();
        for (int sweep = 0; sweep < 60; sweep++) {
            double off = 0;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < rows; i++) {
                        alpha += u[i][p] * u[i][p];
                        beta += u[i][q] * u[i][q];
                        gamma += u[i][p] * u[i][q];
                    }
                    off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta + 1e-300));
                    if (Math.abs(gamma) < 1e-300) continue;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    for (int i = 0; i < rows; i++) {
                        double up = u[i][p];
                        double uq = u[i][q];
                        u[i][p] = c * up - s * uq;
                        u[i][q] = s * up + c * uq;
                    }
                }
            }
            if (off < 1e-15) break;
        }
        double[] sv = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < rows; i++) s += u[i][j] * u[i][j];
            sv[j] = Math.sqrt(s);
        }
        java.util.Arrays.sort(sv);
        for (int i = 0; i < n / 2; i++) {
            double t = sv[i];
            sv[i] = sv[n - 1 - i];
            sv[n - 1 - i] = t;
        }
        return sv;
    }
}
