package org.dl4jopt.lanton;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 * The update rule of {@link Lanton}. The noise statistic {@code H} of every member and the group maxima of this
 * iteration were computed by the network step before this block runs ({@link LantonNoise}); this block turns them into
 * its rate factor {@code r = max(alpha / max_group alpha, rMin)} ({@code r = 1} before its first observation) and
 * applies the base step (HIDDEN) or Signum (SIGN) at {@code r} times the group's rate.
 */
public class LantonUpdater extends ShapeAwareGradientUpdater<Lanton> implements PerParamValues {
    private final ShapeAwareGradientUpdater<?> baseRule;
    private final double[] rates;

    public LantonUpdater(Lanton config) {
        super(config);
        baseRule = config.base().ruleOnly();
        rates = new double[layout.params().size()];
        Arrays.fill(rates, Double.NaN);
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        NormGroup group = config.group(p);
        // LANTON's slice is its own (state == stateSlice(index)): the cached named views
        double r = rate(group, SplitScalar.read(state(index, "sqrtH")), ExactCounter.read(state(index, "nObs")));
        rates[index] = r;
        if (group == NormGroup.HIDDEN) {
            baseRule.matrixStep(index, p, g, state(index, "base"), lr * r, iteration, epoch);
        } else { // Signum: B = b1 B + (1-b1) G
            INDArray b = state(index, "B");
            double b1 = config.signMomentum();
            b.muli(b1);
            Nd4j.exec(new Axpy(g, b, b, 1 - b1));
            g.assign(b);
            Transforms.sign(g, false).muli(config.signLearningRate(iteration, epoch) * r);
        }
    }

    /** r = alpha / max(alpha) over the group's members observed so far, this step (1 before the first observation). */
    private double rate(NormGroup group, double sqrtH, long nObs) {
        double max = crossLayerValue(group == NormGroup.HIDDEN ? 0 : 1);
        if (nObs < 1 || !(max > 0)) return 1.0;
        double ratio = 1.0 / Math.sqrt(sqrtH * sqrtH + config.epsilon()) / max;
        ratio = Math.min(ratio, 1.0); // h and the maximum are rounded differently: never above 1
        if (config.rateNormalization() == RateNormalization.SQRT_RATIO) ratio = Math.sqrt(ratio);
        return Math.max(ratio, config.rMin());
    }

    /** The rate factor r of each non-vector parameter at the last step ("key" -> r), for inspection. */
    @Override
    public Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < rates.length; i++) {
            if (!Double.isNaN(rates[i])) out.put(layout.params().get(i).key(), rates[i]);
        }
        return Collections.unmodifiableMap(out);
    }
}
