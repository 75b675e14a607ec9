package org.dl4jopt.muon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jopt.Mat;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Spec muon-dropmuon.md section 1.10 golden vectors and section 1.1 invariants. */
class NewtonSchulzTest {
    static final double[][] G = {
        {-0.83333333, -1.5, -1.16666667, -0.83333333},
        {-0.5, -0.16666667, 0.16666667, 0.5},
        {0.83333333, 1.16666667, 1.5, 1.83333333}
    };
    static final double[][] NS5_JORDAN = {
        {-0.03477630, -0.64663522, -0.28499553, 0.07664417},
        {-0.62072679, 0.01504105, 0.13809227, 0.26114350},
        {0.31419542, -0.01099430, 0.28795306, 0.58690042}
    };
    static final double[][] NS5_POLAR_EXPRESS = {
        {-0.07359217, -0.87004572, -0.40817749, 0.05369074},
        {-0.79280117, 0.01899097, 0.17907794, 0.33916491},
        {0.43369497, 0.03954796, 0.42438903, 0.80923010}
    };

    @Test
    void jordanFiveStepsMatchesGoldenInFloat() {
        INDArray out = new NewtonSchulz(NsCoefficients.JORDAN, 5, 1e-7).orthogonalize(Mat.of(DataType.FLOAT, G));
        Mat.assertClose(NS5_JORDAN, out, 1e-5);
    }

    @Test
    void jordanFiveStepsMatchesGoldenInDouble() {
        INDArray out = new NewtonSchulz(NsCoefficients.JORDAN, 5, 1e-7).orthogonalize(Mat.of(DataType.DOUBLE, G));
        Mat.assertClose(NS5_JORDAN, out, 1e-7);
        double[] sv = Mat.singularValues(Mat.toArray(out));
        assertEquals(0.747, sv[0], 1e-3);
        assertEquals(0.693, sv[1], 1e-3);
        assertEquals(0.683, sv[2], 1e-3);
    }

    @Test
    void polarExpressFiveStepsMatchesGolden() {
        INDArray out = new NewtonSchulz(NsCoefficients.POLAR_EXPRESS, 5, 1e-7).orthogonalize(Mat.of(DataType.FLOAT, G));
        Mat.assertClose(NS5_POLAR_EXPRESS, out, 1e-5);
    }

    @Test
    void polarExpressFiveStepsMatchesGoldenInDouble() {
        INDArray out =
                new NewtonSchulz(NsCoefficients.POLAR_EXPRESS, 5, 1e-7).orthogonalize(Mat.of(DataType.DOUBLE, G));
        Mat.assertClose(NS5_POLAR_EXPRESS, out, 1e-7);
    }

    @Test
    void polarExpressSafetyFactorCoefficients() {
        double[] s1 = NsCoefficients.POLAR_EXPRESS.step(0);
        assertEquals(8.205160414005574, s1[0], 1e-12);
        assertEquals(-22.90193498705605, s1[1], 1e-12);
        assertEquals(16.460724910180314, s1[2], 1e-12);
        double[] s5 = NsCoefficients.POLAR_EXPRESS.step(4);
        assertEquals(2.277873287083977, s5[0], 1e-12);
        assertEquals(-1.619821765265441, s5[1], 1e-12);
        assertEquals(0.39848078704168355, s5[2], 1e-12);
        assertEquals(1.875, NsCoefficients.POLAR_EXPRESS.step(11)[0], 0);
    }

    @Test
    void transposeEquivariance() {
        NewtonSchulz ns = new NewtonSchulz(NsCoefficients.JORDAN, 5, 1e-7);
        INDArray g = Nd4j.rand(DataType.DOUBLE, 7, 19).subi(0.5);
        INDArray a = ns.orthogonalize(g);
        INDArray b = ns.orthogonalize(g.transpose().dup());
        Mat.assertClose(Mat.toArray(a.transpose()), b, 1e-9);
        Mat.assertClose(Mat.transpose(NS5_JORDAN), ns.orthogonalize(Mat.of(DataType.FLOAT, Mat.transpose(G))), 1e-5);
    }

    @Test
    void singularValuesLandInJordanInterval() {
        Nd4j.getRandom().setSeed(7);
        INDArray g = Nd4j.randn(DataType.FLOAT, 32, 128); // sigma/||G||_F in about [0.09, 0.27]
        double[] sv =
                Mat.singularValues(Mat.toArray(new NewtonSchulz(NsCoefficients.JORDAN, 5, 1e-7).orthogonalize(g)));
        for (double s : sv) assertTrue(s > 0.675 && s < 1.135, "singular value " + s + " outside [0.68, 1.13]");
        double[] pe = Mat.singularValues(
                Mat.toArray(new NewtonSchulz(NsCoefficients.POLAR_EXPRESS, 6, 1e-7).orthogonalize(g)));
        for (double s : pe) assertEquals(1.0, s, 0.01, "Polar Express 6 steps converges to 1");
    }

    @Test
    void zeroGivesZeroAndScaleIsApplied() {
        NewtonSchulz ns = new NewtonSchulz(NsCoefficients.JORDAN, 5, 1e-7);
        assertEquals(
                0.0,
                ns.orthogonalize(Nd4j.zeros(DataType.FLOAT, 5, 3)).amaxNumber().doubleValue(),
                0);
        INDArray g = Mat.of(DataType.FLOAT, G);
        INDArray scaled = g.dup();
        ns.orthogonalizeInPlace(scaled, 0.25);
        Mat.assertClose(Mat.toArray(ns.orthogonalize(g).muli(0.25)), scaled, 1e-6);
    }
}
