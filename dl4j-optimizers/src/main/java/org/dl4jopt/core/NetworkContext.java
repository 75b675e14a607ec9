package org.dl4jopt.core;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The per-iteration network context in the state array: {@code [stamp (4) | rule values (8 each)...]}. The stamp is
 * {@code iteration + 1} in four base-256 digits, exact in every floating-point type (bfloat16 included) up to 2^32,
 * and each rule value a double's bits in eight such digits;
 * members compare it with their iteration, so a member never uses another iteration's context. Also finds the
 * network's flat arrays from a block's view of them (DL4J hands each block views into one flat gradient and one flat
 * state array).
 */
public final class NetworkContext {
    static final int STAMP = 4;
    /** Elements before the first rule slot. */
    public static final int HEADER = STAMP;
    /**
     * Elements of one rule value: a double's 64 bits in eight base-256 digits, so every member reads the value the
     * leader computed, bit for bit, in every data type (a HALF element would round AM's global beta to 11 bits).
     */
    public static final int VALUE = 8;

    private NetworkContext() {}

    /** The context values for an iteration, before rule slots are filled. */
    static double[] header(int size, int iteration) {
        double[] c = new double[size];
        long stamp = iteration + 1L;
        for (int k = 0; k < STAMP; k++) {
            c[k] = stamp & 0xFF;
            stamp >>>= 8;
        }
        return c;
    }

    /** Writes rule value {@code v} into {@code c} at element {@code at} ({@link #VALUE} digits). */
    static void putValue(double[] c, int at, double v) {
        long bits = Double.doubleToLongBits(v);
        for (int k = 0; k < VALUE; k++) {
            c[at + k] = bits & 0xFF;
            bits >>>= 8;
        }
    }

    /** The rule value at element {@code at} of {@code c}. */
    static double value(double[] c, int at) {
        long bits = 0;
        for (int k = VALUE - 1; k >= 0; k--) bits = (bits << 8) | ((long) c[at + k] & 0xFF);
        return Double.longBitsToDouble(bits);
    }

    /** The iteration a context was written for, or -1 if none. */
    static long iteration(double[] c) {
        long stamp = 0;
        for (int k = STAMP - 1; k >= 0; k--) stamp = (stamp << 8) | (long) c[k];
        return stamp - 1;
    }

    /**
     * The {@code length} elements of the network array that starts {@code blockOffset} elements before
     * {@code blockView} (a view DL4J made of one flat network array).
     */
    static INDArray network(INDArray blockView, long blockOffset, long length, String what) {
        DataBuffer root = root(blockView);
        long start = blockView.offset() - blockOffset;
        if (start < 0 || start + length > root.length()) {
            throw new IllegalStateException("The " + what + " handed to the updater is not a view of the network's "
                    + "flat " + what + " array (offset " + blockView.offset() + ", block at " + blockOffset
                    + ", network length " + length + "): our optimizers work only inside a DL4J network's updater. "
                    + "If the network changed after Optimizers.prepare(conf), prepare the final configuration.");
        }
        INDArray all = Nd4j.create(root, new long[] {root.length()});
        return all.get(NDArrayIndex.interval(start, start + length));
    }

    /** Length of the whole array a block's view was cut from. */
    static long rootLength(INDArray blockView) {
        return root(blockView).length();
    }

    static DataBuffer root(INDArray view) {
        return view.data().originalDataBuffer() != null ? view.data().originalDataBuffer() : view.data();
    }
}
