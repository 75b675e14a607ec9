package org.dl4jopt.onebit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.dl4jopt.Mat;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Spec A.3 and A.4 worked examples. */
class CompressionTest {

    @Test
    void compressorExample() {
        INDArray z = Nd4j.createFromArray(0.5, -1, 0, 2);
        INDArray err = Nd4j.create(DataType.DOUBLE, 4);
        double scale = OneBitCompressor.compress(z, err);
        assertEquals(1.145644, scale, 1e-6);
        Mat.assertClose(new double[][] {{1, -1, 1, 1}}, z, 0);
        Mat.assertClose(new double[][] {{-0.645644, 0.145644, -1.145644, 0.854356}}, err, 1e-6);
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, 8);
        INDArray zeroErr = Nd4j.create(DataType.DOUBLE, 8);
        assertEquals(0.0, OneBitCompressor.compress(zero, zeroErr), 0);
        assertEquals(0.0, zeroErr.amaxNumber().doubleValue(), 0, "zero vector: no error, no NaN");
    }

    @Test
    void paddingIsAMultipleOfWTimesLcmW8() {
        assertEquals(16, TwoStageAllReduce.paddedLength(4, 2)); // 2 * lcm(2, 8) = 16
        assertEquals(8, TwoStageAllReduce.paddedLength(3, 1));
        assertEquals(72, TwoStageAllReduce.paddedLength(20, 3)); // 3 * lcm(3, 8) = 72
        assertEquals(144, TwoStageAllReduce.paddedLength(144, 3));
    }

    @Test
    void twoStageWorkedExample() {
        INDArray[] m = {Nd4j.createFromArray(0.5, -1, 0, 2), Nd4j.createFromArray(1, 1, -0.5, -0.5)};
        INDArray[] we = {Nd4j.zeros(DataType.DOUBLE, 16), Nd4j.zeros(DataType.DOUBLE, 16)};
        INDArray[] se = {Nd4j.zeros(DataType.DOUBLE, 8), Nd4j.zeros(DataType.DOUBLE, 8)};
        TwoStageAllReduce.Scales sc = TwoStageAllReduce.reduce(m, we, se);
        assertEquals(0.572822, sc.worker[0], 1e-6);
        assertEquals(0.395285, sc.worker[1], 1e-6);
        assertEquals(0.386519, sc.server[0], 1e-6);
        assertEquals(0.484053, sc.server[1], 1e-6);
        for (INDArray mi : m) Mat.assertClose(new double[][] {{0.386519, -0.386519, 0.386519, 0.386519}}, mi, 2e-6);
        Mat.assertClose(
                new double[][] {{-0.072822, -0.427178, -0.572822, 1.427178}},
                we[0].get(NDArrayIndex.interval(0, 4)),
                2e-6);
        for (int i = 4; i < 16; i++) assertEquals(-0.572822, we[0].getDouble(i), 1e-6, "padded tail error");
        Mat.assertClose(
                new double[][] {{0.097534, 0.297751, -0.297751, -0.297751}},
                se[0].get(NDArrayIndex.interval(0, 4)),
                2e-6);
        for (int i = 4; i < 8; i++) assertEquals(0.097534, se[0].getDouble(i), 1e-6);
    }

    /** Spec A.4's vectors padded to N' = 16: [+,-,+,+, 12 x +] = 0xBF 0xFF; [+,+,-,-, 12 x +] = 0xCF 0xFF (MSB-first). */
    @Test
    void packsTheWorkedVectorsMsbFirst() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            SignBits sb = new SignBits(16, type);
            INDArray packed = SignBits.newPacked(16);
            sb.pack(
                    Nd4j.createFromArray(0.5, -1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                            .castTo(type),
                    packed);
            assertEquals(DataType.UINT8, packed.dataType());
            assertEquals(0xBF, packed.getInt(0));
            assertEquals(0xFF, packed.getInt(1));
            sb.pack(
                    Nd4j.createFromArray(1, 1, -0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                            .castTo(type),
                    packed);
            assertEquals(0xCF, packed.getInt(0));
            INDArray signs = Nd4j.create(type, 16);
            sb.unpack(packed, signs);
            Mat.assertClose(new double[][] {{1, 1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, signs, 0);
        }
    }

    /** Element k of a byte is bit 7 - k: a single negative at k gives 255 - 2^(7-k); round trip on random values. */
    @Test
    void bitOrderAndRoundTrip() {
        SignBits sb = new SignBits(8, DataType.FLOAT);
        INDArray packed = SignBits.newPacked(8);
        for (int k = 0; k < 8; k++) {
            INDArray z = Nd4j.ones(DataType.FLOAT, 8);
            z.putScalar(k, -3);
            sb.pack(z, packed);
            assertEquals(255 - (1 << (7 - k)), packed.getInt(0), "element " + k);
        }
        long n = 8 * 1000;
        SignBits big = new SignBits(n, DataType.FLOAT);
        INDArray z = Nd4j.randn(DataType.FLOAT, n);
        z.putScalar(5, 0.0);
        INDArray p = SignBits.newPacked(n);
        big.pack(z, p);
        INDArray back = Nd4j.create(DataType.FLOAT, n);
        big.unpack(p, back);
        INDArray expected = z.dup();
        OneBitCompressor.signs(expected);
        assertEquals(expected, back, "unpack(pack(z)) = sgn(z), zero -> +1");
        assertEquals(1000, p.length(), "one bit per element");
        OneBitMessage msg = new OneBitMessage(n, 4);
        assertEquals(1000 + 4, msg.wireBytes());
        assertEquals(250 + 4, msg.chunkWireBytes());
    }
}
