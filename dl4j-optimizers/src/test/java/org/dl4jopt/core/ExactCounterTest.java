package org.dl4jopt.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Issue #12, step counters and reductions in every data type: {@link ExactCounter}, {@link SplitScalar}, {@link Kernels}. */
class ExactCounterTest {
    /** Counts exactly past 256 (BFLOAT16's last exact step), 2048 (HALF's) and 65536, one increment at a time. */
    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"HALF", "BFLOAT16"})
    void countsExactlyTo70000(DataType t) {
        INDArray piece = Nd4j.create(t, ExactCounter.DIGITS);
        for (long i = 1; i <= 70_000; i++) {
            long v = ExactCounter.increment(piece);
            if (v != i) assertEquals(i, v, t + " counter at step " + i);
        }
        assertEquals(70_000, ExactCounter.read(piece));
        ExactCounter.write(piece, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, ExactCounter.read(piece), "2^32 - 1 in four digits");
        assertThrows(IllegalStateException.class, () -> ExactCounter.write(piece, 1L << 32));
    }

    /** The defect it replaces: one HALF element stops counting by one after 2048. */
    @org.junit.jupiter.api.Test
    void oneHalfElementDoesNotCountPast2048() {
        INDArray one = Nd4j.create(DataType.HALF, 1);
        one.assign(2048);
        one.assign(one.getDouble(0) + 1);
        assertNotEquals(2049.0, one.getDouble(0));
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"HALF", "BFLOAT16", "FLOAT", "DOUBLE"})
    void doubleBitsAreExact(DataType t) {
        INDArray piece = Nd4j.create(t, ExactCounter.BITS);
        for (double v : new double[] {0.0, 1e-3, 0.1, 3.0e-4 / 7, 1e300, Double.MIN_VALUE}) {
            ExactCounter.writeDouble(piece, v);
            assertEquals(v, ExactCounter.readDouble(piece), 0, t + " " + v);
        }
    }

    /** Two elements: about 22 bits in HALF, 16 in BFLOAT16, so a 1% EMA step is not rounded away. */
    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"HALF", "BFLOAT16", "FLOAT", "DOUBLE"})
    void splitScalarKeepsAnEmaMoving(DataType t) {
        INDArray piece = Nd4j.create(t, SplitScalar.PIECES);
        double exact = 1.0;
        SplitScalar.write(piece, exact);
        for (int i = 0; i < 500; i++) {
            exact = 0.999 * exact + 0.001 * 0.5;
            SplitScalar.write(piece, 0.999 * SplitScalar.read(piece) + 0.001 * 0.5);
        }
        double bits = t == DataType.HALF ? 20 : t == DataType.BFLOAT16 ? 14 : 40;
        assertEquals(exact, SplitScalar.read(piece), exact * Math.pow(2, -bits) * 500, t.toString());
        INDArray one = Nd4j.create(t, 1); // one element: each 0.05% step is rounded (BFLOAT16 ulp 0.4%)
        one.assign(1.0);
        for (int i = 0; i < 500; i++) one.assign(0.999 * one.getDouble(0) + 0.001 * 0.5);
        if (t == DataType.BFLOAT16) {
            assertTrue(Math.abs(one.getDouble(0) - exact) > 0.05, "a single BFLOAT16 element: " + one.getDouble(0));
        }
    }

    /** HALF/BFLOAT16 reductions run in double: no BLAS-dot exception, no overflow past 65504. */
    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"HALF", "BFLOAT16"})
    void narrowReductionsInDouble(DataType t) {
        INDArray a = Nd4j.valueArrayOf(new long[] {1000}, 100.0, t); // sum of squares 1e7, HALF max 65504
        INDArray b = Nd4j.valueArrayOf(new long[] {1000}, -0.5, t);
        assertEquals(1e7, Kernels.sumOfSquares(a), 0);
        assertEquals(-5e4, Kernels.dot(a, b), 0);
        assertEquals(5e2, Kernels.norm1(b), 0);
        INDArray view = Nd4j.create(t, 2000).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1000, 2000));
        view.assign(a);
        assertEquals(1e7, Kernels.dot(view, a), 0, "a view of a larger array");
        assertTrue(Double.isNaN(Kernels.sumOfSquares(a.putScalar(3, Double.NaN))), "NaN propagates");
    }
}
