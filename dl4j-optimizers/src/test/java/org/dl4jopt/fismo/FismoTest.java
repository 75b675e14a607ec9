package org.dl4jopt.fismo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jopt.ManualStep;
import org.dl4jopt.Mat;
import org.dl4jopt.NamedState;
import org.dl4jopt.Optimizers;
import org.dl4jopt.Training;
import org.dl4jopt.core.NetworkContext;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** FISMO (spec fismo-noise-adaptive.md section 1 and acceptance tests 2, 4, 5). */
class FismoTest {

    /** A random SPD matrix with the given condition number: V diag(logspace(1, 1/cond)) V^T, V orthonormal. */
    static INDArray spd(int k, double cond, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray q = Nd4j.randn(DataType.DOUBLE, k, k);
        INDArray basis = q.mmul(q.transpose()).dup('f');
        Nd4j.getBlasWrapper().syev('V', 'L', basis, Nd4j.create(DataType.DOUBLE, k)); // eigenvectors: orthonormal
        INDArray d = Nd4j.create(DataType.DOUBLE, 1, k);
        for (int i = 0; i < k; i++) d.putScalar(0, i, Math.pow(cond, -(double) i / (k - 1)));
        return basis.mulRowVector(d).mmul(basis.transpose());
    }

    @Test
    void inverseRootsOfIllConditionedSpdMatrices() {
        for (double cond : new double[] {1.0, 1e4, 1e8}) {
            INDArray p = spd(12, cond, 3);
            INDArray inv = Nd4j.create(DataType.DOUBLE, 12, 12);
            INDArray invSqrt = Nd4j.create(DataType.DOUBLE, 12, 12);
            new SpdRoots(12, 1e-12).compute(p, inv, invSqrt);
            INDArray eye = Nd4j.eye(12).castTo(DataType.DOUBLE);
            double e1 = inv.mmul(p).sub(eye).amaxNumber().doubleValue();
            double e2 = invSqrt.mmul(p).mmul(invSqrt).sub(eye).amaxNumber().doubleValue();
            assertTrue(e1 < 1e-5 && e2 < 1e-5, "cond " + cond + ": " + e1 + ", " + e2);
        }
        INDArray f = Nd4j.create(DataType.FLOAT, 12, 12);
        INDArray fs = Nd4j.create(DataType.FLOAT, 12, 12);
        new SpdRoots(12, 1e-12).compute(spd(12, 1e4, 5).castTo(DataType.FLOAT), f, fs);
        assertTrue(Double.isFinite(f.sumNumber().doubleValue()), "float targets");
    }

    static MultiLayerNetwork dense(IUpdater u, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type)
                .seed(1)
                .updater(u)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(3)
                        .nOut(4)
                        .hasBias(false)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(4)
                        .nOut(2)
                        .activation(Activation.IDENTITY)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        net.getLayer(0).setParam("W", Mat.of(type, new double[][] {
            {0.1, 0, 0.2, -0.3}, {-0.2, 0.5, 0.2, 0.1}, {0.3, -0.1, 0.2, 0}
        }));
        return net;
    }

    static final double[][][] GRADS = {
        {{1, 0.5, 0, 0.3}, {0, 0.5, -2, 0}, {-1, 0.5, 1, 0}},
        {{0, -1, 0.2, 0}, {1, 0.5, 0.2, 0}, {0, 0, -0.4, 1}},
        {{0.3, 0.1, -0.2, 0.5}, {-0.7, 0.2, 0.1, 0.4}, {0.2, -0.3, 0.6, -0.1}}
    };

    static void steps(MultiLayerNetwork net, double scale) {
        for (int t = 0; t < GRADS.length; t++) {
            ManualStep.apply(
                    net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[t]).muli(scale)), t);
        }
    }

    @Test
    void identityFactorsReduceToMuon() {
        MultiLayerNetwork fismo = dense(
                Fismo.builder()
                        .graft(false)
                        .learningRate(0.02)
                        .damping(1e12)
                        .weightDecay(0.01)
                        .build(),
                DataType.DOUBLE);
        MultiLayerNetwork muon = dense(
                Muon.builder()
                        .learningRate(0.02)
                        .nesterov(false)
                        .weightDecay(0.01)
                        .build(),
                DataType.DOUBLE);
        steps(fismo, 1);
        steps(muon, 1);
        Mat.assertClose(
                Mat.toArray(muon.getLayer(0).getParam("W")), fismo.getLayer(0).getParam("W"), 1e-6);
        MultiLayerNetwork preconditioned = dense(
                Fismo.builder()
                        .graft(false)
                        .learningRate(0.02)
                        .weightDecay(0.01)
                        .build(),
                DataType.DOUBLE);
        steps(preconditioned, 1);
        assertTrue(
                preconditioned
                                .getLayer(0)
                                .getParam("W")
                                .sub(muon.getLayer(0).getParam("W"))
                                .amaxNumber()
                                .doubleValue()
                        > 1e-4,
                "with learned factors the step differs from Muon");
    }

    /**
     * The left factor after two steps, computed here from the RAW_SCALE formulas (m = 4, n = 3): the statistic is the
     * EMA of the data terms {@code A = (1/n) G Q^-1 G^T} at their own scale, stored divided by its mean eigenvalue
     * ({@code Sp}, trace m) with the log of that mean ({@code logScaleP}); the factor is {@code Sp} damped by
     * {@code mu} times its own mean eigenvalue and normalized, {@code P = (Sp + mu I) / (1 + mu)}.
     */
    @Test
    void factorStatisticsFollowTheEmaAndTraceNormalization() {
        double gamma = 0.9;
        double mu = 0.1;
        MultiLayerNetwork net =
                dense(Fismo.builder().graft(false).factorEma(gamma).damping(mu).build(), DataType.DOUBLE);
        INDArray eye = Nd4j.eye(4).castTo(DataType.DOUBLE);
        // DL4J gradient [nIn=3, nOut=4] 'f' is seen as G = grad^T, m = 4 (fan-out), n = 3 (fan-in)
        INDArray g1 = Mat.of(DataType.DOUBLE, GRADS[0]).transpose();
        ManualStep.apply(net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[0])), 0);
        INDArray sp = NamedState.get(net, "layer0", "W_Sp").reshape('c', 4, 4);
        INDArray logScale = NamedState.get(net, "layer0", "W_logScaleP");
        INDArray a1 = g1.mmul(g1.transpose()).divi(3); // Q^-1 = I at the first step; no history: E1 = A1
        Mat.assertClose(Mat.toArray(a1.mul(4 / trace(a1))), sp, 1e-12);
        assertEquals(Math.log(trace(a1) / 4), logScale.getDouble(0), 1e-12);
        // second step: A2 = (1/n) G2 Q1^-1 G2^T with Q1 from the state; E2 = gamma E1 + (1-gamma) A2 (A2's mean
        // eigenvalue is below factorSpikeClip = 4 times E1's, so no clipping)
        INDArray qInv1 =
                NamedState.get(net, "layer0", "W_QInv").reshape('c', 3, 3).dup();
        ManualStep.apply(net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[1])), 1);
        INDArray g2 = Mat.of(DataType.DOUBLE, GRADS[1]).transpose();
        INDArray a2 = g2.mmul(qInv1).mmul(g2.transpose()).divi(3);
        assertTrue(trace(a2) < 4 * trace(a1), "unclipped");
        INDArray e2 = a1.mul(gamma).addi(a2.mul(1 - gamma));
        Mat.assertClose(Mat.toArray(e2.mul(4 / trace(e2))), sp, 1e-10);
        assertEquals(Math.log(trace(e2) / 4), logScale.getDouble(0), 1e-12);
        // the cached P^-1 is the inverse of the damped, trace-normalized factor
        INDArray p2 = e2.mul(4 / trace(e2)).addi(eye.mul(mu)).divi(1 + mu);
        INDArray pInv = NamedState.get(net, "layer0", "W_PInv").reshape('c', 4, 4);
        Mat.assertClose(Mat.toArray(eye), pInv.mmul(p2), 1e-8);
        assertEquals(2.0, NamedState.get(net, "layer0", "W_t").getDouble(0), 0, "step counter");
    }

    static double trace(INDArray a) {
        double t = 0;
        for (int i = 0; i < a.rows(); i++) t += a.getDouble(i, i);
        return t;
    }

    @Test
    void rawScaleIsScaleInvariant() {
        MultiLayerNetwork a = dense(Fismo.builder().graft(false).build(), DataType.DOUBLE);
        MultiLayerNetwork b = dense(Fismo.builder().graft(false).build(), DataType.DOUBLE);
        MultiLayerNetwork c = dense(Fismo.builder().graft(false).build(), DataType.DOUBLE);
        INDArray w0 = a.getLayer(0).getParam("W").dup();
        steps(a, 1);
        steps(b, 1e-2);
        steps(c, 1e2);
        INDArray da = a.getLayer(0).getParam("W").sub(w0);
        Mat.assertClose(Mat.toArray(da), b.getLayer(0).getParam("W").sub(w0), 1e-4);
        Mat.assertClose(Mat.toArray(da), c.getLayer(0).getParam("W").sub(w0), 1e-4);
    }

    @Test
    void rootsAreRefreshedEveryKSteps() {
        MultiLayerNetwork net = dense(Fismo.builder().graft(false).rootEvery(3).build(), DataType.DOUBLE);
        ManualStep.apply(net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[0])), 0);
        INDArray roots1 = roots(net).dup();
        INDArray sp1 = NamedState.get(net, "layer0", "W_Sp").dup();
        ManualStep.apply(net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[1])), 1);
        assertEquals(roots1, roots(net), "t=2: cached");
        assertNotEquals(sp1, NamedState.get(net, "layer0", "W_Sp"), "statistics still updated");
        ManualStep.apply(net, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[2])), 2);
        assertNotEquals(roots1, roots(net), "t=3: refreshed");
        MultiLayerNetwork everyStep =
                dense(Fismo.builder().graft(false).rootEvery(1).build(), DataType.DOUBLE);
        ManualStep.apply(everyStep, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[0])), 0);
        INDArray first = roots(everyStep).dup();
        ManualStep.apply(everyStep, Map.of("0_W", Mat.of(DataType.DOUBLE, GRADS[1])), 1);
        assertNotEquals(first, roots(everyStep), "K=1: every step");
    }

    /** The cached roots P^-1/2, P^-1, Q^-1/2, Q^-1 of layer 0's W, concatenated. */
    static List<String> stateNames(MultiLayerNetwork net, String layer) {
        List<String> out = new java.util.ArrayList<>(NamedState.of(net, layer).keySet());
        out.remove("STATE");
        return out;
    }

    static INDArray roots(MultiLayerNetwork net) {
        Map<String, INDArray> s = NamedState.of(net, "layer0");
        return Nd4j.concat(0, s.get("W_PInvSqrt"), s.get("W_PInv"), s.get("W_QInvSqrt"), s.get("W_QInv"));
    }

    @Test
    void aSideAboveTheLimitKeepsTheIdentityFactor() {
        // m = 4 > 3: left factor identity (one-sided); only Q (3x3) is learned
        MultiLayerNetwork oneSided =
                dense(Fismo.builder().graft(false).maxPreconditionedDim(3).build(), DataType.DOUBLE);
        assertEquals(
                List.of("W_M", "W_Sq", "W_QInvSqrt", "W_QInv", "W_logScaleQ", "W_t"),
                stateNames(oneSided, "layer0"),
                "one-sided: only Q's statistic, roots and log scale");
        assertEquals(
                12 + 3 * 9 + 1 + 1 + 2 * 8 + 2 * 2 + NetworkContext.HEADER,
                oneSided.getUpdater().getStateViewArray().length(),
                "W: M + 3 n^2 + log scale + t; output W [4,2] and b [1,2] get AdamW's 2 moments; the network context");
        steps(oneSided, 1);
        assertTrue(Double.isFinite(oneSided.params().sumNumber().doubleValue()));
        // with damping to infinity the learned side is the identity too: Muon again
        MultiLayerNetwork muonLike = dense(
                Fismo.builder()
                        .graft(false)
                        .maxPreconditionedDim(3)
                        .damping(1e12)
                        .learningRate(0.01)
                        .build(),
                DataType.DOUBLE);
        MultiLayerNetwork muon =
                dense(Muon.builder().learningRate(0.01).nesterov(false).build(), DataType.DOUBLE);
        steps(muonLike, 1);
        steps(muon, 1);
        Mat.assertClose(
                Mat.toArray(muon.getLayer(0).getParam("W")),
                muonLike.getLayer(0).getParam("W"),
                1e-6);
    }

    /**
     * Spec acceptance test 6: with G = A^1/2 Z C^1/2 (Z standard normal, m = 16, n = 12, cond(A) = cond(C) = 100),
     * gamma 0.99 and damping 1e-6, RAW_SCALE learns P and Q within 15 % (relative Frobenius) of A m/tr A and
     * C n/tr C after 1000 steps.
     */
    @Test
    void factorsAreLearnedFromKroneckerStructuredGradients() {
        int m = 16;
        int n = 12;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(1)
                .updater(Fismo.builder()
                        .graft(false)
                        .factorEma(0.99)
                        .damping(1e-6)
                        .learningRate(1e-6)
                        .build())
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(n)
                        .nOut(m)
                        .hasBias(false)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(m)
                        .nOut(2)
                        .activation(Activation.IDENTITY)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        INDArray a = spd(m, 100, 11);
        INDArray c = spd(n, 100, 12);
        INDArray aHalf = Nd4j.create(DataType.DOUBLE, m, m);
        INDArray cHalf = Nd4j.create(DataType.DOUBLE, n, n);
        new SpdRoots(m, 1e-12)
                .compute(
                        new SpdRootsTestAccess(a).inverse(),
                        Nd4j.create(DataType.DOUBLE, m, m),
                        aHalf); // (A^-1)^-1/2 = A^1/2
        new SpdRoots(n, 1e-12).compute(new SpdRootsTestAccess(c).inverse(), Nd4j.create(DataType.DOUBLE, n, n), cHalf);
        Nd4j.getRandom().setSeed(99);
        for (int t = 0; t < 1000; t++) {
            INDArray g = aHalf.mmul(Nd4j.randn(DataType.DOUBLE, m, n)).mmul(cHalf); // m x n = fan-out x fan-in
            ManualStep.apply(net, Map.of("0_W", g.transpose().dup()), t); // DL4J stores [nIn, nOut]
        }
        INDArray sp = NamedState.get(net, "layer0", "W_Sp").reshape('c', m, m);
        INDArray sq = NamedState.get(net, "layer0", "W_Sq").reshape('c', n, n);
        assertTrue(
                relError(sp.mul(m / trace(sp)), a.mul(m / trace(a))) < 0.15,
                "P error " + relError(sp.mul(m / trace(sp)), a.mul(m / trace(a))));
        assertTrue(
                relError(sq.mul(n / trace(sq)), c.mul(n / trace(c))) < 0.15,
                "Q error " + relError(sq.mul(n / trace(sq)), c.mul(n / trace(c))));
    }

    static double relError(INDArray x, INDArray ref) {
        return x.sub(ref).norm2Number().doubleValue() / ref.norm2Number().doubleValue();
    }

    @Test
    void zeroAndRankOneGradientsStayFinite() {
        MultiLayerNetwork net = dense(Fismo.builder().graft(false).build(), DataType.FLOAT);
        ManualStep.apply(net, Map.of("0_W", Nd4j.zeros(DataType.FLOAT, 3, 4)), 0);
        ManualStep.apply(net, Map.of("0_W", Nd4j.ones(DataType.FLOAT, 3, 4)), 1);
        ManualStep.apply(net, Map.of("0_W", Nd4j.zeros(DataType.FLOAT, 3, 4)), 2);
        assertTrue(
                Double.isFinite(net.getUpdater().getStateViewArray().sumNumber().doubleValue()));
        assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()));
    }

    @Test
    void badHyperparametersAreRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Fismo.builder().graft(false).damping(0).build());
        assertTrue(e.getMessage().contains("Fismo.damping"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Fismo.builder().graft(false).factorEma(1).build());
        assertTrue(e.getMessage().contains("Fismo.factorEma"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Fismo.builder().graft(false).rootEvery(0).build());
        assertTrue(e.getMessage().contains("Fismo.rootEvery"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Fismo.builder().graft(false).learningRate(-1).build());
        assertTrue(e.getMessage().contains("Fismo.learningRate"), e.getMessage());
    }

    @Test
    void trainsCnnAndGraphAndResumesExactly(@TempDir Path dir) throws Exception {
        List<DataSet> images = SyntheticData.images(256, 11).batchBy(32);
        // lr 0.01, the default before issue 13 (at which the bounds below were measured); the dense layer's 1568-long
        // input side keeps the identity factor (one-sided)
        Fismo cfg = Fismo.builder()
                .graft(false)
                .learningRate(0.01)
                .rootEvery(2)
                .weightDecay(0.01)
                .adamLearningRate(1e-3)
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(TestModels.cnn(cfg, 42, DataType.FLOAT)));
        net.init();
        // 60 steps, < 0.3x: six runs with 1e-6 relative gradient noise (GradientNoise) ended at 0.080-0.098x; after
        // 30 steps the ratio depended on the machine's BLAS rounding (0.63x on AVX-512 OpenBLAS, < 0.3x elsewhere)
        Training.assertLossFalls("cnn", net, images, 60, 0.3);

        File f = dir.resolve("fismo.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        for (int i = 60; i < 65; i++) {
            net.fit(images.get(i % images.size()));
            restored.fit(images.get(i % images.size()));
        }
        assertTrue(net.params().equalsWithEps(restored.params(), 1e-6), "save, restore, continue");
        assertEquals(
                net.getLayerWiseConfigurations(),
                MultiLayerConfiguration.fromJson(
                        net.getLayerWiseConfigurations().toJson()));

        ComputationGraph graph = new ComputationGraph(Optimizers.prepare(TestModels.attention(
                Fismo.builder()
                        .graft(false)
                        .learningRate(0.01)
                        .adamLearningRate(3e-3)
                        .build(),
                5,
                DataType.FLOAT,
                8,
                6,
                3)));
        graph.init();
        // 3 runs with 1e-6 relative gradient noise (NoisyRuns): 9.6e-05-0.074x
        Training.assertLossFalls(
                "graph", graph, SyntheticData.sequences(512, 8, 6, 3, 9).batchBy(32), 6 * 16, 0.5);
    }
}
