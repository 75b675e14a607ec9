package org.dl4jopt.onebit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarFMod;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * True 1-bit packing of signs (spec A.4, A.13 test 6; DeepSpeed's {@code packbits}): element {@code k} is bit
 * {@code 7 - (k mod 8)} of byte {@code k / 8} (MSB-first), bit 1 iff the value is {@code >= 0}. Bytes are
 * {@link DataType#UINT8} arrays. ND4J ops only (compare, a [n/8, 8] x [8] product with 128..1 to pack; an outer
 * product, division by 128..1, floor and mod 2 to unpack), with buffers kept per instance (one length).
 */
public final class SignBits {
    private final long n;
    private final INDArray bits; // [n/8, 8] work
    private final INDArray bytes; // [n/8, 1] work
    private final INDArray weights; // [8, 1]: 128, 64, ..., 1
    private final INDArray weightRow; // [1, 8]: 128, 64, ..., 1
    private final INDArray ones; // [1, 8]

    /** Buffers for vectors of {@code n} elements (a multiple of 8) of type {@code type} (FLOAT or DOUBLE). */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    public SignBits(long n, DataType type) {
        if (n <= 0 || n % 8 != 0) {
            throw new IllegalArgumentException("SignBits packs whole bytes: length must be a positive multiple of 8, "
                    + "got " + n + " (pad it, see TwoStageAllReduce.paddedLength)");
        }
        this.n = n;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            bits = Nd4j.create(type, n / 8, 8);
            bytes = Nd4j.create(type, n / 8, 1);
            weightRow = Nd4j.createFromArray(128.0, 64, 32, 16, 8, 4, 2, 1)
                    .castTo(type)
                    .reshape(1, 8);
            weights = weightRow.reshape(8, 1).dup();
            ones = Nd4j.ones(type, 1, 8);
        }
    }

    /** A new packed array for {@code n} signs ({@code n / 8} bytes). */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    public static INDArray newPacked(long n) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(DataType.UINT8, n / 8);
        }
    }

    public long length() {
        return n;
    }

    /** Writes the bits of {@code sgn(z)} (length n, finite) into {@code packed} (UINT8, length n / 8). */
    public void pack(INDArray z, INDArray packed) {
        check(z, packed);
        INDArray flat = bits.reshape(n);
        flat.assign(z);
        BooleanIndexing.replaceWhere(flat, 1.0, Conditions.greaterThanOrEqual(0.0));
        BooleanIndexing.replaceWhere(flat, 0.0, Conditions.lessThan(0.0));
        bits.mmuli(weights, bytes); // byte = sum_k bit_k * 2^(7-k), exact
        packed.assign(bytes.reshape(n / 8));
    }

    /** Writes {@code +1} (bit 1) or {@code -1} (bit 0) for every bit of {@code packed} into {@code signs} (length n). */
    public void unpack(INDArray packed, INDArray signs) {
        check(signs, packed);
        bytes.reshape(n / 8).assign(packed);
        bytes.mmuli(ones, bits); // every byte repeated 8 times
        bits.diviRowVector(weightRow);
        Transforms.floor(bits, false);
        Nd4j.exec(new ScalarFMod(bits, 2.0)); // bit 7-k = floor(b / 2^(7-k)) mod 2
        bits.muli(2).subi(1);
        signs.assign(bits.reshape(n));
    }

    private void check(INDArray values, INDArray packed) {
        if (values.length() != n || packed.length() != n / 8 || packed.dataType() != DataType.UINT8) {
            throw new IllegalArgumentException("SignBits built for " + n + " values / " + n / 8 + " UINT8 bytes, got "
                    + values.length() + " values and " + packed.length() + " " + packed.dataType() + " bytes");
        }
    }
}
