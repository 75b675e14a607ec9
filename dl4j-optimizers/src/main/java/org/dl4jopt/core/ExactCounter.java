package org.dl4jopt.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A non-negative integer kept exactly in a state piece of any floating-point type: {@code k} base-256 digits, least
 * significant first. Every digit 0..255 is exact in HALF (11 significant bits) and BFLOAT16 (8), so a step counter
 * counts exactly in every network data type (a single HALF element counts 2 per step after 2048, a BFLOAT16 one after
 * 256). {@link #DIGITS} (4) digits count to 2^32 - 1; {@link #BITS} (8) digits hold any 64-bit pattern, e.g. a double's
 * bits ({@link #writeDouble}). Equal counters stay equal when DL4J averages state across workers.
 */
public final class ExactCounter {
    /** Digits of a step counter: counts to 2^32 - 1. */
    public static final int DIGITS = 4;
    /** Digits of a 64-bit pattern (a double's bits). */
    public static final int BITS = 8;

    private ExactCounter() {}

    /** The integer held by {@code piece} (a flat view of k elements). */
    public static long read(INDArray piece) {
        long v = 0; // a few scalar reads: cheaper than copying the tiny view
        for (int k = (int) piece.length() - 1; k >= 0; k--) v = (v << 8) | ((long) piece.getDouble(k) & 0xFF);
        return v;
    }

    /** Writes {@code value} ({@code >= 0}, fitting in the piece's digits) into {@code piece}. */
    public static void write(INDArray piece, long value) {
        int k = (int) piece.length();
        if (value < 0 || (k < 8 && (value >>> (8 * k)) != 0)) {
            throw new IllegalStateException("counter value " + value + " does not fit in " + k + " base-256 digits");
        }
        long v = value;
        for (int i = 0; i < k; i++) {
            piece.putScalar(i, (double) (v & 0xFF));
            v >>>= 8;
        }
    }

    /** Adds one and returns the new value (one read; writes only the digits that change, usually one). */
    public static long increment(INDArray piece) {
        long old = read(piece);
        long v = old + 1;
        int k = (int) piece.length();
        if (k < 8 && (v >>> (8 * k)) != 0) {
            throw new IllegalStateException("counter value " + v + " does not fit in " + k + " base-256 digits");
        }
        for (int i = 0; i < k && ((old >>> (8 * i)) & 0xFF) != ((v >>> (8 * i)) & 0xFF); i++) {
            piece.putScalar(i, (double) ((v >>> (8 * i)) & 0xFF));
        }
        return v;
    }

    /** The double whose bits {@code piece} ({@link #BITS} digits) holds. */
    public static double readDouble(INDArray piece) {
        return Double.longBitsToDouble(read(piece));
    }

    /** Writes a non-negative double's bits exactly ({@code piece} of {@link #BITS} digits). */
    public static void writeDouble(INDArray piece, double value) {
        if (!(value >= 0)) throw new IllegalArgumentException("non-negative value expected, got " + value);
        write(piece, Double.doubleToLongBits(value + 0.0)); // +0.0: -0.0 becomes 0.0
    }
}
