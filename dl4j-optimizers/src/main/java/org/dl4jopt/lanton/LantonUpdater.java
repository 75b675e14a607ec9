package org.dl4jopt.lanton;

import org.dl4jopt.core.PerParamValues;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.NewtonSchulz;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The update rule of {@link Lanton}. State per non-vector parameter of length L:
 * {@code [H, nObs, seen, H_even, H_odd, obs_even, obs_odd] | G_prev (L) | base state (HIDDEN) or Signum's B (SIGN)}.
 * At iteration t a parameter writes its H into the parity-{@code t} slot and reads every group member's
 * parity-{@code (t-1)} slot through the network's state array, so the group maximum is the previous step's and does
 * not depend on the order in which DL4J updates the blocks.
 */
public class LantonUpdater extends ShapeAwareGradientUpdater<Lanton> implements PerParamValues {
    private final ShapeAwareGradientUpdater<?> baseRule;
    private final NuclearNorm[] nuclear;
    private final double[] rates;
    private INDArray network;
    private long networkStart;

    public LantonUpdater(Lanton config) {
        super(config);
        baseRule = config.base().ruleOnly();
        List<ParamLayout> params = layout.params();
        nuclear = new NuclearNorm[params.size()];
        rates = new double[params.size()];
        for (int i = 0; i < params.size(); i++) {
            ParamLayout p = params.get(i);
            rates[i] = Double.NaN;
            if (config.group(p) == NormGroup.HIDDEN) {
                long m = p.order() == 'f' ? p.cols() : p.rows();
                nuclear[i] = new NuclearNorm(m, p.length() / m);
            }
        }
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        super.setStateViewArray(viewArray, gradientShape, gradientOrder, initialize);
        for (int i = 0; i < layout.params().size(); i++) {
            long own = config.ownOffset(i);
            if (own < 0) continue;
            DataBuffer root = viewArray.data().originalDataBuffer() != null ? viewArray.data().originalDataBuffer()
                    : viewArray.data();
            networkStart = viewArray.offset() + stateLayout.offset(i) - own;
            network = Nd4j.create(root, new long[] {root.length()});
            return;
        }
    }

    @Override
    protected void applyMatrixRule(int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration,
                                   int epoch) {
        if (network == null) {
            throw new IllegalStateException("Lanton of layer '" + layout.layerName() + "' does not know its group: "
                    + "call Optimizers.prepare(conf) on the final configuration.");
        }
        NormGroup group = config.group(p);
        long n = p.length();
        INDArray scalars = state.get(NDArrayIndex.interval(0, Lanton.SCALARS));
        INDArray prev = state.get(NDArrayIndex.interval(Lanton.SCALARS, Lanton.SCALARS + n));
        INDArray own = state.get(NDArrayIndex.interval(Lanton.SCALARS + n, state.length()));
        double h = scalars.getDouble(0);
        double nObs = scalars.getDouble(1);
        if (scalars.getDouble(2) > 0) {                                   // D = G_t - G_{t-1}
            INDArray d = workBuffer(0, index, g);
            d.assign(g).subi(prev);
            double q = group == NormGroup.HIDDEN
                    ? config.dualScale(p) * nuclear[index].of(NewtonSchulz.cView(d, p.order(), p.rows(), p.cols()))
                    : d.norm1Number().doubleValue();
            h = config.beta2() * h + (1 - config.beta2()) * q * q;
            nObs += 1;
            scalars.putScalar(0, h);
            scalars.putScalar(1, nObs);
        }
        prev.assign(g);
        scalars.putScalar(2, 1.0);
        int parity = iteration & 1;
        scalars.putScalar(3 + parity, h);
        scalars.putScalar(5 + parity, nObs >= 1 ? 1.0 : 0.0);
        double r = rate(group, scalars, iteration);
        rates[index] = r;
        if (group == NormGroup.HIDDEN) {
            baseRule.matrixStep(index, p, g, own, lr * r, iteration, epoch);
        } else {                                                           // Signum: B = b1 B + (1-b1) G
            double b1 = config.signMomentum();
            own.muli(b1);
            Nd4j.exec(new Axpy(g, own, own, 1 - b1));
            g.assign(own);
            Transforms.sign(g, false).muli(config.signLearningRate(iteration, epoch) * r);
        }
    }

    /** r = alpha / max(alpha) over the group's members observed at the previous step (1 before that). */
    private double rate(NormGroup group, INDArray scalars, int iteration) {
        if (iteration == 0) return 1.0;
        int prevParity = (iteration - 1) & 1;
        if (scalars.getDouble(5 + prevParity) < 1) return 1.0;
        double own = 1.0 / Math.sqrt(scalars.getDouble(3 + prevParity) + config.epsilon());
        double max = own;
        for (long peer : config.peers(group)) {
            long at = networkStart + peer;
            if (network.getDouble(at + 5 + prevParity) < 1) continue;
            max = Math.max(max, 1.0 / Math.sqrt(network.getDouble(at + 3 + prevParity) + config.epsilon()));
        }
        double ratio = own / max;
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
