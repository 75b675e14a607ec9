package org.dl4jopt.lanton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.ManualStep;
import org.dl4jopt.Mat;
import org.dl4jopt.Optimizers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Oracle test of LANTON's same-step group normalization (spec fismo-noise-adaptive.md 2.4, 2.5): at iteration t each
 * member's rate factor is {@code max(alpha_l / max_group alpha, rMin)} with every member's H already updated with the
 * noise {@code D = G_t - G_{t-1}} of the same step t, in the HIDDEN group (nuclear norm, Moonlight scale) and in the
 * SIGN group (l1 norm).
 */
class LantonSameStepTest {
    static final int STEPS = 4;
    static final double BETA2 = 0.9;
    static final double EPS = 1e-16;
    static final double TOL = 1e-9;
    /** Layer i's W shape [nIn, nOut]: embedding 7x5, hidden dense 5x6, 6x6, 6x4, output head 4x3. */
    static final int[][] SHAPES = {{7, 5}, {5, 6}, {6, 6}, {6, 4}, {4, 3}};

    static final int[] HIDDEN = {1, 2, 3};
    static final int[] SIGN = {0, 4};
    /**
     * Noise level of layer i at step t. The noisiest member changes from step to step, so the group maximum of the
     * previous step is not the current one.
     */
    static final double[][] SIGMA = {
        {0.3, 0.3, 0.3, 3.0}, // embedding (SIGN)
        {1.0, 2.0, 0.3, 0.3}, // hidden 5x6
        {1.0, 0.3, 0.3, 3.0}, // hidden 6x6
        {0.3, 0.3, 3.0, 0.3}, // hidden 6x4
        {0.3, 3.0, 0.3, 0.3}
    }; // head (SIGN)

    static MultiLayerNetwork net(Lanton u) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(4)
                .dataType(DataType.DOUBLE)
                .updater(u)
                .list()
                .layer(new EmbeddingLayer.Builder()
                        .nIn(7)
                        .nOut(5)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nIn(5)
                        .nOut(6)
                        .activation(Activation.TANH)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nIn(6)
                        .nOut(6)
                        .activation(Activation.TANH)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nIn(6)
                        .nOut(4)
                        .activation(Activation.TANH)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(4)
                        .nOut(3)
                        .activation(Activation.IDENTITY)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        return net;
    }

    /** {@code G[t][i] = base_i + SIGMA[i][t] * Z}: a fixed mean per layer plus noise of a changing level. */
    static double[][][][] gradients() {
        Random rnd = new Random(2510140090L);
        double[][][][] g = new double[STEPS][SHAPES.length][][];
        double[][][] base = new double[SHAPES.length][][];
        for (int i = 0; i < SHAPES.length; i++) base[i] = gaussian(rnd, SHAPES[i], 1.0);
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < SHAPES.length; i++) {
                double[][] z = gaussian(rnd, SHAPES[i], SIGMA[i][t]);
                for (int a = 0; a < z.length; a++) for (int b = 0; b < z[a].length; b++) z[a][b] += base[i][a][b];
                g[t][i] = z;
            }
        }
        return g;
    }

    static double[][] gaussian(Random rnd, int[] shape, double scale) {
        double[][] m = new double[shape[0]][shape[1]];
        for (double[] row : m) for (int j = 0; j < row.length; j++) row[j] = scale * rnd.nextGaussian();
        return m;
    }

    /** The dual norm of D: {@code 0.2 sqrt(max(rows, cols)) ||D||_nuc} (HIDDEN, Muon's Moonlight scale) or l1 (SIGN). */
    static double dualNorm(int layer, double[][] d) {
        boolean hidden = layer >= 1 && layer <= 3;
        if (hidden) {
            double nuc = 0;
            for (double s : Mat.singularValues(d)) nuc += s;
            return 0.2 * Math.sqrt(Math.max(d.length, d[0].length)) * nuc;
        }
        double l1 = 0;
        for (double[] row : d) for (double v : row) l1 += Math.abs(v);
        return l1;
    }

    /**
     * H of every layer after each step (H[t][i], NaN before the first observation): H = beta2 H + (1-beta2) q^2 with
     * q the dual norm of G_t - G_{t-1}, from the second step on.
     */
    static double[][] noiseEmas(double[][][][] g) {
        double[][] h = new double[STEPS][SHAPES.length];
        double[] cur = new double[SHAPES.length];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < SHAPES.length; i++) {
                if (t == 0) {
                    h[t][i] = Double.NaN;
                    continue;
                }
                double[][] d = new double[SHAPES[i][0]][SHAPES[i][1]];
                for (int a = 0; a < d.length; a++) {
                    for (int b = 0; b < d[a].length; b++) d[a][b] = g[t][i][a][b] - g[t - 1][i][a][b];
                }
                double q = dualNorm(i, d);
                cur[i] = BETA2 * cur[i] + (1 - BETA2) * q * q;
                h[t][i] = cur[i];
            }
        }
        return h;
    }

    /** r of {@code layer} in {@code group} from the H values {@code h} (NaN: not observed yet, r = 1). */
    static double rate(double[] h, int layer, int[] group, double rMin) {
        if (Double.isNaN(h[layer])) return 1.0;
        double max = 0;
        for (int j : group) if (!Double.isNaN(h[j])) max = Math.max(max, 1 / Math.sqrt(h[j] + EPS));
        return Math.max(1 / Math.sqrt(h[layer] + EPS) / max, rMin);
    }

    static int[] groupOf(int layer) {
        return layer >= 1 && layer <= 3 ? HIDDEN : SIGN;
    }

    /** Same step: the H every member holds after this step's update. */
    static double sameStep(double[][] h, int t, int layer, double rMin) {
        return rate(h[t], layer, groupOf(layer), rMin);
    }

    /** One-step lag: every member's H of the previous step (r = 1 until that step has observed anything). */
    static double lagged(double[][] h, int t, int layer, double rMin) {
        return t == 0 ? 1.0 : rate(h[t - 1], layer, groupOf(layer), rMin);
    }

    /**
     * Pins the same-step rule: with the least noisy layer of each group changing between steps, the rate factor every
     * updater reports at each of four steps is the one computed from all members' H of that same step (every
     * mismatch of every step is listed in the failure message).
     */
    @Test
    void rateFactorsUseEveryMembersNoiseOfTheSameStep() {
        double[][][][] g = gradients();
        double[][] h = noiseEmas(g);
        List<String> mismatches = new ArrayList<>();
        for (double rMin : new double[] {0, 0.4}) {
            MultiLayerNetwork net =
                    net(Lanton.builder().beta2(BETA2).epsilon(EPS).rMin(rMin).build());
            for (int t = 0; t < STEPS; t++) {
                Map<String, INDArray> feed = new HashMap<>();
                for (int i = 0; i < SHAPES.length; i++) feed.put(i + "_W", Nd4j.createFromArray(g[t][i]));
                ManualStep.apply(net, feed, t);
                Map<String, Double> reported = LantonRates.collect(net);
                assertEquals(SHAPES.length, reported.size(), "rMin " + rMin + ", step " + t + ": " + reported);
                for (int i = 0; i < SHAPES.length; i++) {
                    String key = "layer" + i + "_W";
                    Double actual = reported.get(key);
                    assertNotNull(actual, key + " not reported: " + reported);
                    double expected = sameStep(h, t, i, rMin);
                    if (!(Math.abs(actual - expected) <= TOL * expected)) {
                        mismatches.add("rMin " + rMin + ", step " + t + ", " + key + " ("
                                + (groupOf(i) == HIDDEN ? "HIDDEN" : "SIGN") + "): expected same-step r " + expected
                                + ", got " + actual + " (one-step-lag r " + lagged(h, t, i, rMin) + ")");
                    }
                }
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " rate factors differ:\n" + String.join("\n", mismatches));
    }

    /**
     * Shows that the oracle discriminates: the least noisy member changes from step to step (HIDDEN: at steps 1, 2
     * and 3; SIGN: at step 3), so the one-step-lag rule's rate factors differ from the same-step ones by far more than
     * the tolerance at those steps; and the rMin floor of 0.4 is active somewhere.
     */
    @Test
    void sameStepAndLaggedMaximaDiffer() {
        double[][] h = noiseEmas(gradients());
        assertTrue(largestLagError(h, HIDDEN, 2) > 0.1, "HIDDEN, step 2: " + largestLagError(h, HIDDEN, 2));
        assertTrue(largestLagError(h, HIDDEN, 3) > 0.1, "HIDDEN, step 3: " + largestLagError(h, HIDDEN, 3));
        assertTrue(largestLagError(h, SIGN, 3) > 0.1, "SIGN, step 3: " + largestLagError(h, SIGN, 3));
        int[] hiddenLeast = new int[STEPS];
        for (int t = 1; t < STEPS; t++) {
            for (int i : HIDDEN) if (sameStep(h, t, i, 0) == 1.0) hiddenLeast[t] = i;
        }
        assertTrue(
                hiddenLeast[1] != hiddenLeast[2] && hiddenLeast[2] != hiddenLeast[3],
                "least noisy HIDDEN member per step: " + java.util.Arrays.toString(hiddenLeast));
        boolean floored = false;
        for (int t = 1; t < STEPS; t++) for (int i = 0; i < SHAPES.length; i++) floored |= sameStep(h, t, i, 0) < 0.4;
        assertTrue(floored, "rMin 0.4 is never active");
    }

    static double largestLagError(double[][] h, int[] group, int t) {
        double biggest = 0;
        for (int i : group) biggest = Math.max(biggest, Math.abs(sameStep(h, t, i, 0) - lagged(h, t, i, 0)));
        return biggest;
    }
}
