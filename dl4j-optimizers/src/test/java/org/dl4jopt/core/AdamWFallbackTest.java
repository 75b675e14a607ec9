package org.dl4jopt.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.ManualStep;
import org.dl4jopt.Mat;
import org.dl4jopt.Optimizers;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The AdamW fallback against the reference formula written out in double (Muon repo's adam_update, decoupled decay
 * on the old weights), with an epsilon large enough that DL4J's different epsilon placement would be caught, and
 * with the fallback rate following the main rate's schedule and setLearningRate.
 */
class AdamWFallbackTest {
    static final double LR = 0.02, ADAM_LR = 0.01, B1 = 0.9, B2 = 0.95, EPS = 1e-3, WD = 0.1;

    static MultiLayerNetwork net(Muon muon) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .updater(muon)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(3)
                        .nOut(4)
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
        return net;
    }

    static Muon.Builder muon() {
        return Muon.builder()
                .learningRate(LR)
                .adamLearningRate(ADAM_LR)
                .adamBeta1(B1)
                .adamBeta2(B2)
                .adamEpsilon(EPS)
                .adamWeightDecay(WD);
    }

    /** Reference AdamW on one vector for the given gradients and per-step rates. */
    static double[] reference(double[] w0, double[][] grads, double[] lrs) {
        double[] w = w0.clone(), m = new double[w.length], v = new double[w.length];
        for (int t = 1; t <= grads.length; t++) {
            double lr = lrs[t - 1];
            for (int i = 0; i < w.length; i++) {
                double g = grads[t - 1][i];
                m[i] = B1 * m[i] + (1 - B1) * g;
                v[i] = B2 * v[i] + (1 - B2) * g * g;
                double u = (m[i] / (1 - Math.pow(B1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(B2, t))) + EPS);
                w[i] = w[i] * (1 - lr * WD) - lr * u;
            }
        }
        return w;
    }

    static final double[][] GRADS = {
        {0.01, -0.002, 0.0005, 0.03}, {-0.02, 0.001, 0.0, 0.01}, {0.005, 0.004, -0.001, -0.02}
    };

    void check(MultiLayerNetwork net, double[] lrs) {
        double[] b0 = net.getLayer(0).getParam("b").toDoubleVector();
        for (int t = 0; t < GRADS.length; t++) {
            if (t == 2 && lrs[2] != lrs[1]) net.setLearningRate(LR / 4);
            INDArray g = Mat.of(DataType.DOUBLE, new double[][] {GRADS[t]});
            ManualStep.apply(net, Map.of("0_b", g), t);
        }
        double[] expected = reference(b0, GRADS, lrs);
        Mat.assertClose(new double[][] {expected}, net.getLayer(0).getParam("b"), 1e-9);
    }

    @Test
    void biasFollowsReferenceAdamW() {
        check(net(muon().build()), new double[] {ADAM_LR, ADAM_LR, ADAM_LR});
    }

    @Test
    void fallbackRateFollowsSchedule() {
        MapSchedule s = new MapSchedule.Builder(ScheduleType.ITERATION)
                .add(0, LR)
                .add(1, LR / 2)
                .build();
        check(net(muon().learningRateSchedule(s).build()), new double[] {ADAM_LR, ADAM_LR / 2, ADAM_LR / 2});
    }

    @Test
    void setLearningRateScalesFallback() {
        check(net(muon().build()), new double[] {ADAM_LR, ADAM_LR, ADAM_LR / 4});
    }

    /** Muon and Drop-Muon default the fallback to 1e-3, FISMO and LANTON to 3e-4: by builder and by constructor. */
    @Test
    void defaultRatePerOptimizer() {
        assertEquals(1e-3, Muon.builder().build().fallback().learningRate());
        assertEquals(1e-3, new Muon().fallback().learningRate());
        assertEquals(1e-3, DropMuon.builder().build().fallback().learningRate());
        assertEquals(1e-3, new DropMuon().fallback().learningRate());
        assertEquals(3e-4, Fismo.builder().build().fallback().learningRate());
        assertEquals(3e-4, new Fismo().fallback().learningRate());
        assertEquals(3e-4, Lanton.builder().build().fallback().learningRate());
        assertEquals(3e-4, new Lanton().fallback().learningRate());
        assertEquals(
                5e-4, Muon.builder().adamLearningRate(5e-4).build().fallback().learningRate());
    }
}
