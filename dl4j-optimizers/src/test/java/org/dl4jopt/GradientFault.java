package org.dl4jopt;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fault injection: writes one value (NaN, Inf, or a huge finite number) into one element of one parameter's gradient
 * at a chosen gradient computation. DL4J calls {@link #onGradientCalculation} after backprop and before the updater,
 * so the updater sees the fault exactly as if backprop had produced it.
 *
 * <p>Keys are DL4J's gradient keys: {@code "2_W"} (layer index) in a MultiLayerNetwork, {@code "vertexName_W"} in a
 * ComputationGraph. The parameter's gradient must be a view of the network's flat gradient (the array the updater
 * reads); the listener checks that the value landed there and fails the test otherwise.
 *
 * <p>Calls are counted per listener from 0: with plain SGD-style training each {@code fit(DataSet)} is one call,
 * including a fit that then throws (the network's iteration count is not advanced by such a fit, so the call count,
 * not the iteration, says which fit is hit).
 */
public final class GradientFault extends BaseTrainingListener {
    private final String key;
    private final long index;
    private final double value;
    private final int atCall;
    private int calls;
    private boolean fired;

    /**
     * @param key    gradient key, e.g. {@code "2_W"} or {@code "denseB_W"}
     * @param index  flat (linear) index within that parameter's gradient
     * @param value  value written (cast to the gradient's data type)
     * @param atCall which gradient computation to hit, 0-based (2 = the third fit)
     */
    public GradientFault(String key, long index, double value, int atCall) {
        this.key = key;
        this.index = index;
        this.value = value;
        this.atCall = atCall;
    }

    @Override
    public void onGradientCalculation(Model model) {
        int call = calls++;
        if (call != atCall) return;
        Gradient g = model.gradient();
        INDArray p = g == null ? null : g.getGradientFor(key);
        if (p == null) {
            throw new AssertionError("GradientFault: no gradient for key '" + key + "'; keys: "
                    + (g == null ? "none" : g.gradientForVariable().keySet()));
        }
        p.putScalar(index, value);
        INDArray flat = flatGradient(model);
        if (!holds(flat, p.getDouble(index))) {
            throw new AssertionError("GradientFault: gradient '" + key + "' is not a view of the flat gradient");
        }
        fired = true;
    }

    /** True once the fault has been written. */
    public boolean fired() {
        return fired;
    }

    private static INDArray flatGradient(Model model) {
        if (model instanceof MultiLayerNetwork) return ((MultiLayerNetwork) model).getFlattenedGradients();
        if (model instanceof ComputationGraph) return ((ComputationGraph) model).getGradientsViewArray();
        return model.getGradientsViewArray();
    }

    /** True if some element of {@code flat} equals {@code v} (NaN matches NaN). */
    private static boolean holds(INDArray flat, double v) {
        double[] all = flat.dup('c')
                .reshape(new long[] {flat.length()})
                .castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .toDoubleVector();
        for (double d : all) {
            if (Double.compare(d, v) == 0) return true;
        }
        return false;
    }
}
