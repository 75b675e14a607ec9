package org.dl4jopt.am;

import java.util.Map;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.PerParamValues;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The update rule of {@link AdaptiveMemorySgd} (spec B.4):
 * {@code d <- ((beta+lambda) d + (1-beta) g) / (1+lambda)} ({@code d_0 = g_0}), update {@code lr d}. Beta per tensor,
 * per layer, or the network's global beta from the network step ({@link AmGlobalBeta}).
 */
class AmSgdUpdater extends ShapeAwareGradientUpdater<AdaptiveMemorySgd> implements PerParamValues {
    private final AmBeta solver = new AmBeta();
    private final AmUnits units;

    AmSgdUpdater(AdaptiveMemorySgd config) {
        super(config);
        units = new AmUnits(layout, config.granularity());
    }

    @Override
    protected void applyParams(INDArray flat, double lr, int iteration, int epoch) {
        for (int[] unit : units.units()) {
            double t = ExactCounter.read(state(unit[0], "t")) + 1;
            double beta;
            if (config.granularity() == BetaGranularity.GLOBAL) {
                beta = crossLayerValue(0);
            } else if (!config.adaptive() || t == 1) {
                beta = config.adaptive() ? 0.0 : config.fixedBeta();
            } else {
                double r = AmBeta.rateRatio(ExactCounter.readDouble(state(unit[0], "lrPrev")), lr, t);
                solver.reset();
                for (int i : unit) {
                    INDArray g = segment(flat, i);
                    solver.addSgd(g, state(i, "d"), workBuffer(0, i, g), config.lambda(), r);
                }
                beta = solver.beta(config.betaMax());
            }
            for (int i : unit) step(i, segment(flat, i), t, beta, lr);
        }
    }

    private void step(int i, INDArray g, double t, double beta, double lr) {
        INDArray d = state(i, "d");
        double lambda = config.lambda();
        if (t == 1) {
            d.assign(g); // d_0 = g_0
        } else {
            d.muli((beta + lambda) / (1 + lambda));
            Nd4j.exec(new Axpy(g, d, d, (1 - beta) / (1 + lambda)));
        }
        g.assign(d).muli(lr);
        scalars(i, t, lr, t == 1 ? Double.NaN : beta);
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        throw new UnsupportedOperationException("AM updates its units in applyParams");
    }

    private void scalars(int i, double t, double lr, double beta) {
        ExactCounter.write(state(i, "t"), (long) t);
        ExactCounter.writeDouble(state(i, "lrPrev"), lr);
        state(i, "beta").assign(Double.isNaN(beta) ? 0 : beta);
        units.betas[i] = beta;
    }

    @Override
    public Map<String, Double> values() {
        return units.values();
    }
}
