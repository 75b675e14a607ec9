package org.dl4jopt.lanton;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.dl4jopt.Mat;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Spec acceptance test 7: nuc(D) equals the sum of singular values of a full SVD (here a Jacobi oracle). */
class NuclearNormTest {
    @Test
    void equalsTheSumOfSingularValues() {
        Nd4j.getRandom().setSeed(4);
        for (long[] shape : new long[][] {{7, 19}, {19, 7}, {12, 12}}) {
            INDArray d = Nd4j.randn(DataType.DOUBLE, shape[0], shape[1]);
            double expected = 0;
            for (double s : Mat.singularValues(Mat.toArray(d))) expected += s;
            assertEquals(
                    expected, new NuclearNorm(shape[0], shape[1]).ofFlat(Nd4j.toFlattened('c', d)), 1e-8 * expected);
        }
        assertEquals(0.0, new NuclearNorm(3, 5).ofFlat(Nd4j.zeros(DataType.DOUBLE, 15)), 0);
    }
}
