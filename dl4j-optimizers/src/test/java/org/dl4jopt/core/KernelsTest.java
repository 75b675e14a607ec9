package org.dl4jopt.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The shared scalar kernels on views of a larger array, as the updaters call them. */
class KernelsTest {

    /** A view of 64 elements at offset 100 of a 300-element array, and the whole array. */
    private static INDArray[] viewOf(DataType t) {
        INDArray all = Nd4j.linspace(1, 300, 300, DataType.DOUBLE).subi(150).castTo(t);
        return new INDArray[] {all, all.get(NDArrayIndex.interval(100, 164))};
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"FLOAT", "DOUBLE", "HALF", "BFLOAT16"})
    void hasNonFiniteSeesEveryOwnElementAndNoOther(DataType t) {
        INDArray[] a = viewOf(t);
        assertFalse(Kernels.hasNonFinite(a[1]));
        a[0].putScalar(99, Double.NaN); // just before the view
        a[0].putScalar(164, Double.POSITIVE_INFINITY); // just after it
        assertFalse(Kernels.hasNonFinite(a[1]), "elements outside the view must not count");
        for (int k : new int[] {100, 131, 163}) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                double keep = a[0].getDouble(k);
                a[0].putScalar(k, bad);
                assertTrue(Kernels.hasNonFinite(a[1]), bad + " at view element " + (k - 100));
                assertTrue(Kernels.hasNonFinite(a[1].reshape('c', 8, 8)), "as an 8x8 matrix");
                a[0].putScalar(k, keep);
            }
        }
        assertFalse(Kernels.hasNonFinite(a[1]));
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e30, -3e38, 1e-40})
    void hasNonFiniteAcceptsExtremeFiniteValues(double v) {
        INDArray a = Nd4j.valueArrayOf(new long[] {1000}, v, DataType.FLOAT);
        assertFalse(Kernels.hasNonFinite(a));
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"FLOAT", "DOUBLE"})
    void maxAbsFindsTheLargestMagnitudeAtEveryPosition(DataType t) {
        INDArray[] a = viewOf(t); // view values -49..14: |max| = 49 at its first element
        assertEquals(49.0, Kernels.maxAbs(a[1]), 0.0);
        for (int k : new int[] {100, 101, 140, 163}) {
            double keep = a[0].getDouble(k);
            a[0].putScalar(k, -1000.5);
            assertEquals(1000.5, Kernels.maxAbs(a[1]), 0.0, "at view element " + (k - 100));
            assertEquals(1000.5, Kernels.maxAbs(a[1].reshape('c', 8, 8)), 0.0, "as an 8x8 matrix");
            a[0].putScalar(k, keep);
        }
        a[0].putScalar(99, 5000); // outside the view
        a[0].putScalar(164, 5000);
        assertEquals(49.0, Kernels.maxAbs(a[1]), 0.0);
    }
}
