package org.dl4jopt.fismo;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Test helper: the inverse of an SPD matrix through {@link SpdRoots}. */
final class SpdRootsTestAccess {
    private final INDArray s;

    SpdRootsTestAccess(INDArray s) {
        this.s = s;
    }

    INDArray inverse() {
        INDArray inv = Nd4j.create(DataType.DOUBLE, s.rows(), s.rows());
        new SpdRoots(s.rows(), 1e-14).compute(s, inv, Nd4j.create(DataType.DOUBLE, s.rows(), s.rows()));
        return inv;
    }
}
