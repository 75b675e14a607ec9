package org.dl4jopt.testmodels;

import java.util.Map;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InputType.InputTypeRecurrent;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Causal multi-head self-attention on an NCW sequence {@code x} of {@code seqLen} steps (Vaswani et al. 2017, with the
 * decoder's causal mask): for each head h with {@code d_h = size / heads},
 * {@code A_h = softmax(Q_h K_h^T / sqrt(d_h) + M) V_h}, {@code M[i][j] = 0} for {@code j <= i} and {@code -1e9} for
 * {@code j > i}, so step i attends only to steps {@code 0..i}; the heads are concatenated and projected:
 * {@code y = concat(A_1..A_H) Wo}. {@code Q = x Wq}, {@code K = x Wk}, {@code V = x Wv} per time step.
 *
 * <p>Parameters: four {@code [size, size]} matrices {@code Wq, Wk, Wv, Wo} ({@code [nIn, nOut]}), no biases (as in
 * modded-nanogpt). Each projection is one full matrix that spans all heads (head h uses columns
 * {@code h*d_h .. (h+1)*d_h-1} of Wq/Wk/Wv and the matching rows of Wo), so a matrix optimizer such as Muon
 * orthogonalizes the whole {@code [size, size]} projection, as modded-nanogpt does. Initialization N(0, 1/size),
 * {@code Wo} additionally scaled by {@code outputInitScale}.
 *
 * <p>Every sequence must be exactly {@code seqLen} long and unpadded: a DL4J mask array is rejected rather than
 * ignored.
 */
public class CausalSelfAttentionLayer extends ExactGradientSameDiffLayer {
    private static final long serialVersionUID = 1L;

    public static final String WQ = "Wq";
    public static final String WK = "Wk";
    public static final String WV = "Wv";
    public static final String WO = "Wo";
    /** Added to the scores of future positions; exp of it underflows to exactly 0 in float and double. */
    static final double MASKED = -1e9;

    @JsonProperty("size")
    private long size;

    @JsonProperty("heads")
    private int heads;

    @JsonProperty("seqLen")
    private int seqLen;

    @JsonProperty("outputInitScale")
    private double outputInitScale;

    /** For JSON. */
    protected CausalSelfAttentionLayer() {}

    public CausalSelfAttentionLayer(long size, int heads, int seqLen, double outputInitScale) {
        if (size <= 0 || heads <= 0 || size % heads != 0) {
            throw new IllegalArgumentException(
                    "size (" + size + ") must be a positive multiple of heads (" + heads + ")");
        }
        if (seqLen <= 0) throw new IllegalArgumentException("seqLen must be > 0, got " + seqLen);
        if (!(outputInitScale > 0)) throw new IllegalArgumentException("outputInitScale must be > 0");
        this.size = size;
        this.heads = heads;
        this.seqLen = seqLen;
        this.outputInitScale = outputInitScale;
    }

    public long getSize() {
        return size;
    }

    public int getHeads() {
        return heads;
    }

    public int getSeqLen() {
        return seqLen;
    }

    public double getOutputInitScale() {
        return outputInitScale;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputTypeRecurrent r = SequenceLayers.checkInput("CausalSelfAttentionLayer", getLayerName(), inputType, size);
        if (r.getTimeSeriesLength() > 0 && r.getTimeSeriesLength() != seqLen) {
            throw new IllegalStateException("CausalSelfAttentionLayer '" + getLayerName() + "' was configured for "
                    + seqLen + " steps but its input has " + r.getTimeSeriesLength());
        }
        return inputType;
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 3 || input.size(1) != size || input.size(2) != seqLen) {
            throw new IllegalArgumentException("CausalSelfAttentionLayer '" + getLayerName() + "' expects input [mb, "
                    + size + ", " + seqLen + "], got " + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState state, int minibatchSize) {
        if (maskArray != null) {
            throw new UnsupportedOperationException("CausalSelfAttentionLayer '" + getLayerName() + "' does not "
                    + "support masked (padded) sequences: feed full windows of " + seqLen + " steps without masks.");
        }
        return new Pair<>(null, state);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(WQ, size, size);
        params.addWeightParam(WK, size, size);
        params.addWeightParam(WV, size, size);
        params.addWeightParam(WO, size, size);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        SequenceLayers.normalInit(params.get(WQ), 1.0);
        SequenceLayers.normalInit(params.get(WK), 1.0);
        SequenceLayers.normalInit(params.get(WV), 1.0);
        SequenceLayers.normalInit(params.get(WO), outputInitScale);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long headSize = size / heads;
        SDVariable rows = SequenceLayers.toRows(sd, x, size); // [mb*T, size]
        SDVariable q = splitHeads(sd, sd.mmul(rows, p.get(WQ)), headSize); // [mb, H, T, d_h]
        SDVariable k = splitHeads(sd, sd.mmul(rows, p.get(WK)), headSize);
        SDVariable v = splitHeads(sd, sd.mmul(rows, p.get(WV)), headSize);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(headSize)); // [mb, H, T, T]
        SDVariable causal = sd.constant(causalMask(x.dataType())); // [T, T], broadcast
        SDVariable att = sd.nn.softmax(scores.add(causal), 3);
        SDVariable heads = sd.mmul(att, v); // [mb, H, T, d_h]
        SDVariable merged = sd.reshape(sd.permute(heads, 0, 2, 1, 3), -1, size); // [mb*T, size]
        return SequenceLayers.fromRows(sd, sd.mmul(merged, p.get(WO)), seqLen, size);
    }

    private SDVariable splitHeads(SameDiff sd, SDVariable rows, long headSize) {
        return sd.permute(sd.reshape(rows, -1, seqLen, heads, headSize), 0, 2, 1, 3);
    }

    /** {@code M[i][j] = 0} for {@code j <= i}, {@link #MASKED} above the diagonal. */
    private INDArray causalMask(org.nd4j.linalg.api.buffer.DataType dtype) {
        double[][] m = new double[seqLen][seqLen];
        for (int i = 0; i < seqLen; i++) {
            for (int j = i + 1; j < seqLen; j++) m[i][j] = MASKED;
        }
        return Nd4j.create(m).castTo(dtype);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o) || getClass() != o.getClass()) return false;
        CausalSelfAttentionLayer l = (CausalSelfAttentionLayer) o;
        return size == l.size
                && heads == l.heads
                && seqLen == l.seqLen
                && Double.compare(outputInitScale, l.outputInitScale) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), size, heads, seqLen, outputInitScale);
    }
}
