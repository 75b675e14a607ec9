package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A real scalar kept in a state piece of {@code k} elements as a sum {@code hi + lo + ...}: each element holds what
 * the previous ones left over, rounded to the piece's type. Two elements give about 22 significant bits in HALF and
 * 16 in BFLOAT16 (one element: 11 and 8), so an EMA whose increments are a small fraction of its value keeps moving
 * instead of rounding back to itself. Linear, unlike a digit encoding: DL4J's element-wise averaging of state across
 * workers averages the value. The range is the type's (HALF: below 65504; store a root of quantities that grow
 * large).
 */
public final class SplitScalar {
    /** Elements of a split scalar. */
    public static final int PIECES = 2;

    private SplitScalar() {}

    /** The value, summed in double. */
    public static double read(INDArray piece) {
        double s = 0;
        for (int k = 0; k < piece.length(); k++) s += piece.getDouble(k);
        return s;
    }

    /** Writes {@code value} as the sum of the piece's elements. */
    public static void write(INDArray piece, double value) {
        double rest = value;
        for (int i = 0; i < piece.length(); i++) {
            piece.putScalar(i, rest);
            rest -= piece.getDouble(i);
            if (!Double.isFinite(rest)) rest = 0; // an infinite or NaN head: the tail adds nothing
        }
    }
}
