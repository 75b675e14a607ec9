package org.dl4jopt.onebit;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What one worker sends in one phase of the two-stage 1-bit all-reduce (spec A.4): packed signs
 * ({@link SignBits}, UINT8, one bit per element) cut into equal byte chunks, and fp32 scales. Its wire size is
 * exactly {@code bytes of the packed signs + 4 * number of scales}.
 */
public final class OneBitMessage {
    private final INDArray packed;
    private final int chunks;
    private float scale;

    /** A message for {@code n} signs ({@code n} a multiple of {@code 8 * chunks}) split into {@code chunks} chunks. */
    public OneBitMessage(long n, int chunks) {
        if (n % (8L * chunks) != 0) {
            throw new IllegalArgumentException(n + " signs do not split into " + chunks + " whole-byte chunks");
        }
        this.packed = SignBits.newPacked(n);
        this.chunks = chunks;
    }

    /** All packed bytes (UINT8). */
    public INDArray packed() {
        return packed;
    }

    /** Byte chunk {@code j} (a view), covering elements {@code [j * n / chunks, (j + 1) * n / chunks)}. */
    public INDArray chunk(int j) {
        long c = packed.length() / chunks;
        return packed.get(NDArrayIndex.interval(j * c, (j + 1) * c));
    }

    /** The fp32 scale sent with the signs. */
    public float scale() {
        return scale;
    }

    public void scale(float s) {
        this.scale = s;
    }

    /** Bytes of one chunk plus its scale: what one receiver gets. */
    public long chunkWireBytes() {
        return packed.length() / chunks + Float.BYTES;
    }

    /** Bytes of the whole message: all packed signs plus the scale. */
    public long wireBytes() {
        return packed.length() + Float.BYTES;
    }
}
