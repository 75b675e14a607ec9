package org.dl4jopt.am;

import java.util.Map;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.PerParamValues;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.SplitScalar;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The update rule of {@link AdaptiveMemoryAdamW} (spec B.4): {@code v = b2 v + (1-b2) g^2},
 * {@code P = c (sqrt(v_hat) + eps)} with {@code c = max(1 - betaMax prod(beta), tiny)},
 * {@code d <- ((1-beta) g + (lambda P + beta) d) / (1 + lambda P)}, update {@code lr d / P}; beta per tensor or per
 * layer ({@link AmBeta}); first step beta = betaMax, {@code d_0 = 0}.
 */
class AmAdamWUpdater extends ShapeAwareGradientUpdater<AdaptiveMemoryAdamW> implements PerParamValues {
    private static final int DIFF = 0;
    private static final int PRECOND = 1;
    private static final int TMP = 2;
    private final AmBeta solver = new AmBeta();
    private final AmUnits units;

    AmAdamWUpdater(AdaptiveMemoryAdamW config) {
        super(config);
        units = new AmUnits(layout, config.granularity());
    }

    @Override
    protected void applyParams(INDArray flat, double lr, int iteration, int epoch) {
        for (int[] unit : units.units()) {
            double t = ExactCounter.read(state(unit[0], "t")) + 1;
            double betaProd = t == 1 ? 1.0 : SplitScalar.read(state(unit[0], "betaProd"));
            double c = Math.max(1 - config.cap() * betaProd, 1e-12);
            double r = AmBeta.rateRatio(ExactCounter.readDouble(state(unit[0], "lrPrev")), lr, t);
            solver.reset();
            for (int i : unit) {
                INDArray g = segment(flat, i);
                INDArray p = preconditioner(i, g, t, c);
                if (t > 1 && config.adaptive()) {
                    solver.addAdamW(
                            g, state(i, "d"), p, workBuffer(DIFF, i, g), workBuffer(TMP, i, g), config.lambda(), r);
                }
            }
            double beta =
                    !config.adaptive() ? config.fixedBeta() : t == 1 ? config.betaMax() : solver.beta(config.betaMax());
            for (int i : unit) step(i, segment(flat, i), t, beta, betaProd, lr);
        }
    }

    /** Updates {@code v} and returns {@code P = c (sqrt(v / (1 - b2^t)) + eps)} in a work buffer. */
    private INDArray preconditioner(int i, INDArray g, double t, double c) {
        INDArray v = state(i, "v");
        INDArray w = workBuffer(DIFF, i, g);
        v.muli(config.beta2());
        w.assign(g).muli(g);
        Nd4j.exec(new Axpy(w, v, v, 1 - config.beta2()));
        INDArray p = workBuffer(PRECOND, i, g);
        p.assign(v).muli(1.0 / (1 - Math.pow(config.beta2(), t)));
        Transforms.sqrt(p, false).addi(config.epsilon()).muli(c);
        return p;
    }

    private void step(int i, INDArray g, double t, double beta, double betaProd, double lr) {
        INDArray d = state(i, "d");
        INDArray p = workBuffer(PRECOND, i, g);
        INDArray m = workBuffer(TMP, i, g);
        INDArray w = workBuffer(DIFF, i, g);
        double lambda = config.lambda();
        m.assign(p).muli(lambda).addi(beta).muli(d); // (lambda P + beta) d
        Nd4j.exec(new Axpy(g, m, m, 1 - beta)); //   + (1-beta) g
        w.assign(p).muli(lambda).addi(1);
        d.assign(m).divi(w); // d = ... / (1 + lambda P)
        g.assign(d).divi(p).muli(lr); // update = lr d / P
        ExactCounter.write(state(i, "t"), (long) t);
        ExactCounter.writeDouble(state(i, "lrPrev"), lr);
        state(i, "beta").assign(beta);
        SplitScalar.write(state(i, "betaProd"), betaProd * beta);
        units.betas[i] = beta;
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        throw new UnsupportedOperationException("AM updates its units in applyParams");
    }

    @Override
    public Map<String, Double> values() {
        return units.values();
    }
}
