package org.dl4jopt.layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

/** A user-defined SameDiff graph vertex with a weight matrix and a bias: {@code out = in W + b}. */
public class LinearVertex extends SameDiffVertex {
    private int nIn;
    private int nOut;

    public LinearVertex() {}

    public LinearVertex(int nIn, int nOut) {
        this.nIn = nIn;
        this.nOut = nOut;
    }

    @Override
    public SDVariable defineVertex(
            SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params, Map<String, SDVariable> masks) {
        return in.get("in").mmul(params.get("W")).add(params.get("b"));
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("in");
        params.addWeightParam("W", nIn, nOut);
        params.addBiasParam("b", 1, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        Nd4j.getRandom().setSeed(17);
        params.get("W").assign(Nd4j.randn(params.get("W").dataType(), nIn, nOut).muli(1.0 / Math.sqrt(nIn)));
        params.get("b").assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return InputType.feedForward(nOut);
    }

    @Override
    public GraphVertex clone() {
        LinearVertex v = new LinearVertex(nIn, nOut);
        v.setUpdater(getUpdater() == null ? null : getUpdater().clone());
        v.setBiasUpdater(getBiasUpdater() == null ? null : getBiasUpdater().clone());
        v.setRegularization(copy(getRegularization()));
        v.setRegularizationBias(copy(getRegularizationBias()));
        return v;
    }

    private static List<Regularization> copy(List<Regularization> l) {
        if (l == null) return null;
        List<Regularization> out = new ArrayList<>();
        for (Regularization r : l) out.add(r.clone());
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearVertex
                && super.equals(o)
                && ((LinearVertex) o).nIn == nIn
                && ((LinearVertex) o).nOut == nOut;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + nIn * 7 + nOut;
    }
}
