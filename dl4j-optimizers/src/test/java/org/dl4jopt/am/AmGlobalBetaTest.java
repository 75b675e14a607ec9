package org.dl4jopt.am;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.ManualStep;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.PerParamValuesListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Oracle tests of AM-SGD's GLOBAL beta (spec onebit-adam-am-momentum.md B.1, B.2, B.4, B.6, B.7): one beta per
 * iteration from inner products summed over every parameter tensor of every layer in the same step, checked
 * element-wise against a model-wide AM-MSGD written in plain double arithmetic.
 */
class AmGlobalBetaTest {
    /** The network's parameters in order: "layerIndex_key" and shape [rows, cols] as DL4J stores them. */
    static final String[] KEYS = {"0_W", "0_b", "1_W", "1_b"};

    static final int[][] SHAPES = {{3, 4}, {1, 4}, {4, 2}, {1, 2}};
    static final double LAMBDA = 0.1;
    static final double BETA_MAX = 0.9;
    static final double LR = 0.1;
    static final int STEPS = 5;
    /** Per element: |actual - expected| <= REL |expected| + ABS * (largest |parameter| of the network). */
    static final double REL = 1e-6;

    static final double ABS = 1e-9;

    /** The spec's GLOBAL constant, looked up by name so that this test compiles before it exists. */
    static BetaGranularity global() {
        return BetaGranularity.valueOf("GLOBAL");
    }

    /** Dense 3 -> 4 (W [3,4], b [1,4]) and an output layer 4 -> 2 (W [4,2], b [1,2]), double, no weight decay. */
    static MultiLayerNetwork net(AdaptiveMemorySgd u) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(11)
                .dataType(DataType.DOUBLE)
                .updater(u)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(3)
                        .nOut(4)
                        .activation(Activation.TANH)
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

    static AdaptiveMemorySgd.Builder config(ISchedule schedule) {
        AdaptiveMemorySgd.Builder b =
                AdaptiveMemorySgd.builder().lambda(LAMBDA).betaMax(BETA_MAX).weightDecay(0);
        return schedule == null ? b.learningRate(LR) : b.learningRateSchedule(schedule);
    }

    /** lr 0.1, 0.1, 0.1, then 0.05 (r = 2) and 0.2 (r = 0.25). */
    static ISchedule changingLr() {
        Map<Integer, Double> m = new HashMap<>();
        m.put(0, 0.1);
        m.put(3, 0.05);
        m.put(4, 0.2);
        return new MapSchedule(ScheduleType.ITERATION, m);
    }

    static double lrAt(ISchedule schedule, int t) {
        return schedule == null ? LR : schedule.valueAt(t, 0);
    }

    /**
     * Gradients {@code g_t = rho g_{t-1} + noise} per tensor (fixed seed), with a different correlation rho (0.7 to
     * -0.6) and scale per tensor, so the per-tensor betas spread over [0, betaMax] while the global one stays strictly
     * inside. At step 3 the output bias is not fed: ManualStep gives it a zero gradient, which still counts in the sums
     * (its d does not vanish).
     */
    static List<double[][]> gradients() {
        Random rnd = new Random(20251006L);
        double[] scale = {1.0, 1.5, 0.8, 1.2};
        double[] rho = {0.7, -0.6, 0.2, -0.3};
        double[] noise = {0.3, 0.5, 1.0, 0.6};
        List<double[][]> out = new ArrayList<>();
        double[][] prev = null;
        for (int t = 0; t < STEPS; t++) {
            double[][] g = new double[KEYS.length][];
            for (int k = 0; k < KEYS.length; k++) {
                g[k] = new double[SHAPES[k][0] * SHAPES[k][1]];
                for (int i = 0; i < g[k].length; i++) {
                    double e = scale[k] * noise[k] * rnd.nextGaussian();
                    g[k][i] = prev == null ? scale[k] * rnd.nextGaussian() : rho[k] * prev[k][i] + e;
                }
            }
            prev = g;
            out.add(g);
        }
        double[][] step3 = out.get(3);
        java.util.Arrays.fill(step3[3], 0.0); // "1_b" absent from the map at step 3: a zero gradient
        return out;
    }

    static Map<String, INDArray> feed(double[][] g, int t) {
        Map<String, INDArray> m = new HashMap<>();
        for (int k = 0; k < KEYS.length; k++) {
            if (t == 3 && k == 3) continue; // ManualStep: zero gradient for 1_b at step 3
            m.put(KEYS[k], Nd4j.createFromArray(g[k]).reshape('c', SHAPES[k][0], SHAPES[k][1]));
        }
        return m;
    }

    /** Row-major copy of parameter {@code k} of the network. */
    static double[] param(MultiLayerNetwork net, int k) {
        String[] lk = KEYS[k].split("_");
        INDArray p = net.getLayer(Integer.parseInt(lk[0])).getParam(lk[1]).castTo(DataType.DOUBLE);
        assertEquals(SHAPES[k][0] * SHAPES[k][1], p.length(), KEYS[k] + " length");
        if (p.rank() == 2) assertEquals(SHAPES[k][0], p.rows(), KEYS[k] + " rows");
        return Nd4j.toFlattened('c', p).toDoubleVector();
    }

    /**
     * AM-MSGD (spec B.4) over a partition of the tensors into beta units, in double with plain loops. Each unit:
     * {@code d_0 = g_0}; later {@code beta = clip(((1+lambda) r <g,d> - <d-g, g+lambda d>) / ||d-g||^2, 0, betaMax)}
     * (0 if the denominator is 0), {@code r = lr_{t-1}/lr_t}, {@code d = ((beta+lambda) d + (1-beta) g)/(1+lambda)};
     * then {@code W -= lr d} for every tensor.
     */
    static final class AmOracle {
        final int[][] units;
        final double[][] w;
        final double[][] d = new double[KEYS.length][];
        int t;
        double lrPrev;

        AmOracle(int[][] units, double[][] initial) {
            this.units = units;
            this.w = new double[initial.length][];
            for (int k = 0; k < initial.length; k++) w[k] = initial[k].clone();
        }

        /** One step; returns the beta of each unit (NaN at the first step). */
        double[] step(double[][] g, double lr) {
            double[] betas = new double[units.length];
            for (int u = 0; u < units.length; u++) {
                if (t == 0) {
                    betas[u] = Double.NaN;
                    for (int k : units[u]) d[k] = g[k].clone();
                    continue;
                }
                double r = lrPrev / lr;
                double gd = 0;
                double den = 0;
                double cross = 0; // <d-g, g + lambda d>
                for (int k : units[u]) {
                    for (int i = 0; i < g[k].length; i++) {
                        double diff = d[k][i] - g[k][i];
                        gd += g[k][i] * d[k][i];
                        den += diff * diff;
                        cross += diff * (g[k][i] + LAMBDA * d[k][i]);
                    }
                }
                double num = (1 + LAMBDA) * r * gd - cross;
                double beta = den > 0 ? Math.min(Math.max(num / den, 0), BETA_MAX) : 0;
                betas[u] = beta;
                for (int k : units[u]) {
                    for (int i = 0; i < g[k].length; i++) {
                        d[k][i] = ((beta + LAMBDA) * d[k][i] + (1 - beta) * g[k][i]) / (1 + LAMBDA);
                    }
                }
            }
            for (int k = 0; k < w.length; k++) for (int i = 0; i < w[k].length; i++) w[k][i] -= lr * d[k][i];
            lrPrev = lr;
            t++;
            return betas;
        }
    }

    static final int[][] GLOBAL_UNITS = {{0, 1, 2, 3}};
    static final int[][] PER_TENSOR_UNITS = {{0}, {1}, {2}, {3}};
    static final int[][] PER_LAYER_UNITS = {{0, 1}, {2, 3}};

    static double[][] initial(MultiLayerNetwork net) {
        double[][] w = new double[KEYS.length][];
        for (int k = 0; k < KEYS.length; k++) w[k] = param(net, k);
        return w;
    }

    static double scale(double[][] w) {
        double s = 0;
        for (double[] a : w) for (double v : a) s = Math.max(s, Math.abs(v));
        return s;
    }

    /** Largest |a - b| / (REL |b| + ABS scale) over all elements: at most 1 means "equal within tolerance". */
    static double worst(double[][] a, double[][] b) {
        double s = scale(b);
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            for (int i = 0; i < a[k].length; i++) {
                worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]) / (REL * Math.abs(b[k][i]) + ABS * s));
            }
        }
        return worst;
    }

    /**
     * Feeds the gradients to {@code net} and to an oracle over {@code units}, asserting after every step that the
     * parameters agree and that every reported beta is the oracle's (one unit: every key reports the same beta).
     * Returns the oracle's betas per step.
     */
    static double[][] runAgainstOracle(String what, MultiLayerNetwork net, int[][] units, ISchedule schedule) {
        List<double[][]> grads = gradients();
        AmOracle oracle = new AmOracle(units, initial(net));
        double[][] betas = new double[STEPS][];
        for (int t = 0; t < STEPS; t++) {
            ManualStep.apply(net, feed(grads.get(t), t), t);
            betas[t] = oracle.step(grads.get(t), lrAt(schedule, t));
            double[][] actual = initial(net);
            double e = worst(actual, oracle.w);
            assertTrue(
                    e <= 1,
                    what + ", step " + t + ": parameters differ from the oracle by " + e
                            + " tolerances (betas " + java.util.Arrays.toString(betas[t]) + ", reported "
                            + PerParamValuesListener.collect(net) + ")");
            Map<String, Double> reported = PerParamValuesListener.collect(net);
            if (t > 0) {
                assertEquals(KEYS.length, reported.size(), what + ", step " + t + ": betas reported " + reported);
                for (int u = 0; u < units.length; u++) {
                    for (int k : units[u]) {
                        String key = "layer" + KEYS[k];
                        assertEquals(
                                betas[t][u],
                                reported.get(key),
                                1e-9,
                                what + ", step " + t + ": beta of " + key + " in " + reported);
                    }
                }
            }
        }
        return betas;
    }

    /** GLOBAL becomes AM-SGD's default granularity (spec B.6, Q3). */
    @Test
    void globalIsAmSgdsDefaultGranularity() {
        assertEquals("GLOBAL", AdaptiveMemorySgd.builder().build().granularity().name());
    }

    /**
     * Pins the GLOBAL rule: five steps of correlated gradients (constant lr, and an lr schedule with r = 2 and
     * r = 0.25) give exactly the parameters and the single beta of a model-wide AM-MSGD over all four tensors.
     */
    @Test
    void globalBetaIsTheModelWideOracle() {
        BetaGranularity global = global();
        for (ISchedule s : new ISchedule[] {null, changingLr()}) {
            String what = "GLOBAL, " + (s == null ? "constant lr" : "changing lr");
            double[][] betas =
                    runAgainstOracle(what, net(config(s).granularity(global).build()), GLOBAL_UNITS, s);
            int inside = 0;
            for (int t = 1; t < STEPS; t++) if (betas[t][0] > 1e-3 && betas[t][0] < BETA_MAX - 1e-3) inside++;
            assertTrue(
                    inside >= 2,
                    what + ": the oracle's beta is strictly inside (0, betaMax) in only " + inside + " steps: "
                            + java.util.Arrays.deepToString(betas));
        }
    }

    /**
     * Checks the oracle itself on the existing PER_TENSOR and PER_LAYER rules (same code, other units), and that the
     * GLOBAL oracle's parameters differ from the PER_TENSOR ones by far more than the tolerance, so the GLOBAL
     * test discriminates.
     */
    @Test
    void existingGranularitiesMatchTheOracleWhichSeparatesGlobal() {
        for (ISchedule s : new ISchedule[] {null, changingLr()}) {
            String lr = s == null ? "constant lr" : "changing lr";
            runAgainstOracle(
                    "PER_LAYER, " + lr,
                    net(config(s).granularity(BetaGranularity.PER_LAYER).build()),
                    PER_LAYER_UNITS,
                    s);
            String what = "PER_TENSOR, " + lr;
            MultiLayerNetwork net =
                    net(config(s).granularity(BetaGranularity.PER_TENSOR).build());
            double[][] init = initial(net);
            runAgainstOracle(what, net, PER_TENSOR_UNITS, s);
            AmOracle perTensor = new AmOracle(PER_TENSOR_UNITS, init);
            AmOracle global = new AmOracle(GLOBAL_UNITS, init);
            List<double[][]> grads = gradients();
            double[] gap = new double[STEPS];
            for (int t = 0; t < STEPS; t++) {
                double[] bt = perTensor.step(grads.get(t), lrAt(s, t));
                double[] bg = global.step(grads.get(t), lrAt(s, t));
                gap[t] = worst(perTensor.w, global.w);
                if (t > 0) {
                    boolean allSame = true;
                    for (double b : bt) allSame &= Math.abs(b - bg[0]) < 1e-6;
                    assertFalse(
                            allSame,
                            what + ", step " + t + ": per-tensor betas " + java.util.Arrays.toString(bt)
                                    + " all equal the global one " + bg[0]);
                }
            }
            for (int t = 1; t < STEPS; t++) {
                assertTrue(
                        gap[t] > 1e4,
                        what + ", step " + t + ": PER_TENSOR and GLOBAL parameters differ by only " + gap[t]
                                + " tolerances");
            }
        }
    }
}
