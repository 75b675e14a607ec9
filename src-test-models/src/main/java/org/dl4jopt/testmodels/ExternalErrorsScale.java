package org.dl4jopt.testmodels;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Works around a SameDiff defect of ND4J 1.0.0-M2.1: a graph whose output feeds an {@code ExternalErrorsFunction}
 * (how DL4J's runtime {@code SameDiffLayer} injects the gradient dL/dy coming from the layers above) returns
 * <em>twice</em> the true gradients, for the parameters and for the layer input alike. DL4J's own SameDiff layers
 * (e.g. {@code SelfAttentionLayer}) fail DL4J's gradient check by exactly this factor; in a stack of such layers the
 * error compounds.
 *
 * <p>{@link #FACTOR} measures the factor once per JVM on a probe graph {@code y = x W} with a known gradient; it must be
 * 1 (fixed ND4J) or 2 (the defect), anything else fails loudly. {@link Runtime} is DL4J's runtime SameDiff layer with
 * the incoming dL/dy divided by that factor, which makes every gradient exact (they are linear in dL/dy); the
 * transformer's SameDiff layers instantiate it.
 */
final class ExternalErrorsScale {
    /** The factor by which SameDiff scales externally injected gradients in this ND4J build (1 or 2). */
    static final double FACTOR = measure();

    private ExternalErrorsScale() {}

    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    private static double measure() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("input", DataType.DOUBLE, -1, 2);
            SDVariable w = sd.var("w", DataType.DOUBLE, 2, 1);
            sd.associateArrayWithVariable(Nd4j.createFromArray(new double[][] {{1}, {1}}), w);
            ExternalErrorsFunction fn = SameDiffUtils.externalErrors(sd, null, sd.mmul(x, w));
            sd.createGradFunction("input");
            Map<String, INDArray> ph = new HashMap<>();
            ph.put("input", Nd4j.createFromArray(new double[][] {{3, 5}}));
            ph.put(fn.getGradPlaceholderName(), Nd4j.createFromArray(new double[][] {{1}}));
            // true dL/dw = x^T * 1 = [3, 5]
            INDArray dw = sd.calculateGradients(ph, List.of("w")).get("w");
            double f = dw.getDouble(0) / 3.0;
            if (Math.abs(f - 1) > 1e-9 && Math.abs(f - 2) > 1e-9 || Math.abs(dw.getDouble(1) - 5 * f) > 1e-9) {
                throw new IllegalStateException("SameDiff external-error gradients are off by an unexpected factor ("
                        + dw + " instead of [3, 5]); the transformer's SameDiff layers cannot be trusted with this "
                        + "ND4J version");
            }
            return Math.rint(f);
        }
    }

    /** DL4J's runtime SameDiff layer, with dL/dy divided by {@link #FACTOR} before SameDiff's backward pass. */
    static final class Runtime extends SameDiffLayer {
        private static final long serialVersionUID = 1L;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            return super.backpropGradient(FACTOR == 1.0 ? epsilon : epsilon.div(FACTOR), workspaceMgr);
        }
    }

    /** What {@code SameDiffLayer.instantiate} does, with {@link Runtime}. */
    static org.deeplearning4j.nn.api.Layer instantiate(
            NeuralNetConfiguration conf,
            int layerIndex,
            INDArray paramsView,
            boolean initializeParams,
            DataType dataType) {
        Runtime ret = new Runtime(conf, dataType);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(paramsView);
        ret.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        ret.setConf(conf);
        return ret;
    }
}
