package org.dl4jopt.testmodels;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The transformer's position-wise MLP on an NCW sequence: {@code y_t = GELU(x_t W1 + b1) W2 + b2} for every time step
 * {@code t} independently. {@code W1} is {@code [size, hidden]}, {@code W2} is {@code [hidden, size]} (DL4J's
 * {@code [nIn, nOut]} convention), initialized N(0, 1/fanIn); {@code W2} additionally scaled by
 * {@code outputInitScale} (GPT-2 scales residual-branch output projections by {@code 1/sqrt(2 * blocks)}). Biases start
 * at 0.
 */
public class PositionwiseMlpLayer extends ExactGradientSameDiffLayer {
    private static final long serialVersionUID = 1L;

    public static final String W1 = "W1";
    public static final String B1 = "b1";
    public static final String W2 = "W2";
    public static final String B2 = "b2";

    @JsonProperty("size")
    private long size;

    @JsonProperty("hidden")
    private long hidden;

    @JsonProperty("outputInitScale")
    private double outputInitScale;

    /** For JSON. */
    protected PositionwiseMlpLayer() {}

    public PositionwiseMlpLayer(long size, long hidden, double outputInitScale) {
        if (size <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("size and hidden must be > 0, got " + size + ", " + hidden);
        }
        if (!(outputInitScale > 0)) throw new IllegalArgumentException("outputInitScale must be > 0");
        this.size = size;
        this.hidden = hidden;
        this.outputInitScale = outputInitScale;
    }

    public long getSize() {
        return size;
    }

    public long getHidden() {
        return hidden;
    }

    public double getOutputInitScale() {
        return outputInitScale;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        SequenceLayers.checkInput("PositionwiseMlpLayer", getLayerName(), inputType, size);
        return inputType;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(W1, size, hidden);
        params.addWeightParam(W2, hidden, size);
        params.addBiasParam(B1, 1, hidden);
        params.addBiasParam(B2, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        SequenceLayers.normalInit(params.get(W1), 1.0);
        SequenceLayers.normalInit(params.get(W2), outputInitScale);
        params.get(B1).assign(0.0);
        params.get(B2).assign(0.0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long time = x.getShape()[2];
        SDVariable rows = SequenceLayers.toRows(sd, x, size);
        SDVariable h = sd.nn.gelu(sd.mmul(rows, p.get(W1)).add(p.get(B1)));
        SDVariable y = sd.mmul(h, p.get(W2)).add(p.get(B2));
        return SequenceLayers.fromRows(sd, y, time, size);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o) || getClass() != o.getClass()) return false;
        PositionwiseMlpLayer l = (PositionwiseMlpLayer) o;
        return size == l.size && hidden == l.hidden && Double.compare(outputInitScale, l.outputInitScale) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), size, hidden, outputInitScale);
    }
}
