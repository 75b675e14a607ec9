package org.dl4jopt.am;

import org.dl4jopt.core.Kernels;
import org.dl4jopt.core.PerParamValues;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The update rule of {@link AdaptiveMemorySgd} and {@link AdaptiveMemoryAdamW}. A "unit" is the set of parameters
 * sharing one beta (one tensor, or the whole layer). State per parameter: scalars {@code [t, lr_prev, beta(,
 * prod beta)]} (the same in every parameter of a unit), then {@code d} (and {@code v} for AM-AdamW). The reductions are
 * BLAS dot products in the network's data type.
 */
public class AdaptiveMemoryUpdater extends ShapeAwareGradientUpdater<AdaptiveMemory> implements PerParamValues {
    private static final Logger log = LoggerFactory.getLogger(AdaptiveMemoryUpdater.class);
    private final boolean adamw;
    private final int scalars;
    private static final int DIFF = 0;
    private static final int PRECOND = 1;
    private static final int TMP = 2;
    private final double[] betas;

    AdaptiveMemoryUpdater(AdaptiveMemory config, boolean adamw) {
        super(config);
        this.adamw = adamw;
        this.scalars = adamw ? AdaptiveMemoryAdamW.SCALARS : AdaptiveMemorySgd.SCALARS;
        int k = layout.params().size();
        betas = new double[k];
        java.util.Arrays.fill(betas, Double.NaN);
    }

    @Override
    protected void applyParams(INDArray flat, double lr, int iteration, int epoch) {
        int k = layout.params().size();
        if (config.granularity() == BetaGranularity.PER_LAYER) {
            int[] all = new int[k];
            INDArray[] g = new INDArray[k];
            INDArray[] s = new INDArray[k];
            for (int i = 0; i < k; i++) {
                all[i] = i;
                g[i] = segment(flat, i);
                s[i] = stateSlice(i);
            }
            updateUnit(all, g, s, lr, iteration);
        } else {
            for (int i = 0; i < k; i++) {
                updateUnit(new int[] {i}, new INDArray[] {segment(flat, i)}, new INDArray[] {stateSlice(i)}, lr,
                        iteration);
            }
        }
    }

    /** One tensor on its own (per-tensor beta). */
    @Override
    protected void applyMatrixRule(int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration,
                                   int epoch) {
        updateUnit(new int[] {index}, new INDArray[] {g}, new INDArray[] {state}, lr, iteration);
    }

    private void updateUnit(int[] idx, INDArray[] g, INDArray[] s, double lr, int iteration) {
        double lambda = config.lambda();
        boolean fixed = !config.adaptive();
        INDArray sc0 = s[0].get(NDArrayIndex.interval(0, scalars));
        double t = sc0.getDouble(0) + 1;
        double lrPrev = sc0.getDouble(1);
        double betaProd = adamw ? (t == 1 ? 1.0 : sc0.getDouble(3)) : 1.0;
        double cap = fixed ? config.fixedBeta() : config.betaMax();
        double r = lr > 0 && t > 1 ? lrPrev / lr : 0.0;   // lr = 0: the gap term is dropped (spec B.7.3)
        double c = Math.max(1 - cap * betaProd, 1e-12);
        double num = 0;
        double den = 0;
        for (int u = 0; u < idx.length; u++) {
            int i = idx[u];
            long n = layout.params().get(i).length();
            INDArray d = s[u].get(NDArrayIndex.interval(scalars, scalars + n));
            INDArray w = workBuffer(DIFF, i, g[u]);
            if (adamw) {
                AdaptiveMemoryAdamW cfg = (AdaptiveMemoryAdamW) config;
                INDArray v = s[u].get(NDArrayIndex.interval(scalars + n, scalars + 2 * n));
                v.muli(cfg.beta2());
                w.assign(g[u]).muli(g[u]);
                Nd4j.exec(new Axpy(w, v, v, 1 - cfg.beta2()));                    // v = b2 v + (1-b2) g^2
                INDArray p = workBuffer(PRECOND, i, g[u]);
                p.assign(v).muli(1.0 / (1 - Math.pow(cfg.beta2(), t)));
                Transforms.sqrt(p, false).addi(cfg.epsilon()).muli(c);             // P = c (sqrt(v_hat) + eps)
                if (t > 1 && !fixed) {
                    INDArray m = workBuffer(TMP, i, g[u]);
                    w.assign(d).subi(g[u]);                                        // d - g
                    m.assign(p).muli(lambda).addi(1).muli(p).rdivi(1.0);           // M = 1 / (P (1 + lambda P))
                    m.muli(w);
                    den += Kernels.dot(m, w);                                      // sum M (d-g)^2
                    double a = Kernels.dot(m, g[u]);
                    m.muli(p);
                    double b = Kernels.dot(m, d);
                    m.assign(d).divi(p);
                    num += r * Kernels.dot(m, g[u]) - (a + lambda * b);            // gap - sum M (d-g)(g + lambda P d)
                }
            } else if (t > 1 && !fixed) {
                w.assign(d).subi(g[u]);
                den += Kernels.dot(w, w);
                num += (1 + lambda) * r * Kernels.dot(g[u], d) - (Kernels.dot(w, g[u]) + lambda * Kernels.dot(w, d));
            }
        }
        double beta;
        if (fixed) {
            beta = config.fixedBeta();
        } else if (t == 1) {
            beta = adamw ? config.betaMax() : Double.NaN;                      // AM-SGD starts with d = g
        } else if (den > 0 && Double.isFinite(num / den)) {
            beta = Math.min(Math.max(num / den, 0.0), config.betaMax());
        } else {
            if (!Double.isFinite(num / den) && den > 0) {
                log.warn("{} of layer '{}': non-finite beta at step {}, using 0", config.name(), layout.layerName(), t);
            }
            beta = 0.0;                                                        // d == g: any beta gives the same d
        }
        for (int u = 0; u < idx.length; u++) {
            int i = idx[u];
            long n = layout.params().get(i).length();
            INDArray d = s[u].get(NDArrayIndex.interval(scalars, scalars + n));
            if (adamw) {
                INDArray p = workBuffer(PRECOND, i, g[u]);
                INDArray m = workBuffer(TMP, i, g[u]);
                INDArray w = workBuffer(DIFF, i, g[u]);
                m.assign(p).muli(lambda).addi(beta).muli(d);                       // (lambda P + beta) d
                Nd4j.exec(new Axpy(g[u], m, m, 1 - beta));                         //   + (1-beta) g
                w.assign(p).muli(lambda).addi(1);
                d.assign(m).divi(w);                                               // d = ... / (1 + lambda P)
                g[u].assign(d).divi(p).muli(lr);                                   // update = lr d / P
            } else {
                if (t == 1) {
                    d.assign(g[u]);                                                // d_0 = g_0 (both modes)
                } else {
                    d.muli((beta + lambda) / (1 + lambda));
                    Nd4j.exec(new Axpy(g[u], d, d, (1 - beta) / (1 + lambda)));
                }
                g[u].assign(d).muli(lr);
            }
            INDArray sc = s[u].get(NDArrayIndex.interval(0, scalars));
            sc.putScalar(0, t);
            sc.putScalar(1, lr);
            sc.putScalar(2, Double.isNaN(beta) ? 0 : beta);
            if (adamw) sc.putScalar(3, betaProd * beta);
            betas[i] = beta;
        }
    }


    /** The beta each parameter used at the last step ("key" -> beta; absent before AM-SGD's second step). */
    @Override
    public Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < betas.length; i++) {
            if (!Double.isNaN(betas[i])) out.put(layout.params().get(i).key(), betas[i]);
        }
        return Collections.unmodifiableMap(out);
    }
}
