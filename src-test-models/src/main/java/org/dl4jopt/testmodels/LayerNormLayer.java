package org.dl4jopt.testmodels;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Layer normalization over the feature dimension of an NCW sequence (Ba et al. 2016):
 * {@code y[:, :, t] = g * (x[:, :, t] - mean) / sqrt(var + eps) + b}, mean and (biased) variance taken over the
 * {@code size} features of each example and time step. Parameters: gain {@code g} (weight, initialized to 1) and shift
 * {@code b} (bias, initialized to 0), both {@code [1, size]}, so optimizers see them as vectors.
 */
public class LayerNormLayer extends ExactGradientSameDiffLayer {
    private static final long serialVersionUID = 1L;

    public static final String GAIN = "g";
    public static final String BIAS = "b";

    @JsonProperty("size")
    private long size;

    @JsonProperty("eps")
    private double eps;

    /** For JSON. */
    protected LayerNormLayer() {}

    /** Normalizes {@code size} features with variance floor {@code eps} (1e-5 is the usual value). */
    public LayerNormLayer(long size, double eps) {
        if (size <= 0) throw new IllegalArgumentException("size must be > 0, got " + size);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        this.size = size;
        this.eps = eps;
    }

    public long getSize() {
        return size;
    }

    public double getEps() {
        return eps;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        SequenceLayers.checkInput("LayerNormLayer", getLayerName(), inputType, size);
        return inputType;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(GAIN, 1, size);
        params.addBiasParam(BIAS, 1, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GAIN).assign(1.0);
        params.get(BIAS).assign(0.0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable mean = sd.mean(x, true, 1); // [mb, 1, T]
        SDVariable centered = x.sub(mean);
        SDVariable var = sd.mean(centered.mul(centered), true, 1);
        SDVariable normalized = centered.mul(sd.math.rsqrt(var.add(eps)));
        SDVariable g = sd.reshape(p.get(GAIN), 1, size, 1);
        SDVariable b = sd.reshape(p.get(BIAS), 1, size, 1);
        return normalized.mul(g).add(b);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o) || getClass() != o.getClass()) return false;
        LayerNormLayer l = (LayerNormLayer) o;
        return size == l.size && Double.compare(eps, l.eps) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), size, eps);
    }
}
