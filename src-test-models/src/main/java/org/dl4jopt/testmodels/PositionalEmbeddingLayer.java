package org.dl4jopt.testmodels;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Learned positional embedding (GPT-2's {@code wpe}): a table {@code W} of {@code [seqLen, size]} whose row t is added
 * to every example's activation at time step t: {@code y[:, :, t] = x[:, :, t] + W[t, :]}. Input and output are NCW
 * {@code [mb, size, seqLen]}.
 *
 * <p>It is an {@link EmbeddingSequenceLayer} over the "vocabulary" of positions ({@code nIn = seqLen},
 * {@code nOut = size}) whose index sequence is always {@code 0..seqLen-1}, so the lookup is the table itself and the
 * layer only adds it. Being an embedding layer, tools that recognize DL4J's embedding layers treat its table as one
 * (dl4j-optimizers gives it the EMBEDDING role: the element-wise fallback, not the orthogonalized matrix rule). Same
 * parameter layout as the parent ({@code W [nIn, nOut]}, order 'f', no bias); initialization N(0, 0.02^2) by default
 * (set with {@code setWeightInitFn}).
 */
public class PositionalEmbeddingLayer extends EmbeddingSequenceLayer {
    private static final long serialVersionUID = 1L;

    /** For JSON. */
    public PositionalEmbeddingLayer() {}

    /** A table of {@code seqLen} positions by {@code size} features. */
    public PositionalEmbeddingLayer(int seqLen, long size) {
        if (seqLen <= 0 || size <= 0) {
            throw new IllegalArgumentException("seqLen and size must be > 0, got " + seqLen + ", " + size);
        }
        setNIn(seqLen);
        setNOut(size);
        setInputLength(seqLen);
        setHasBias(false);
        setOutputFormat(RNNFormat.NCW);
        setActivationFn(new ActivationIdentity());
        setWeightInitFn(new org.deeplearning4j.nn.weights.WeightInitDistribution(
                new org.deeplearning4j.nn.conf.distribution.NormalDistribution(0, 0.02)));
    }

    /** Number of positions (rows of the table). */
    public int seqLen() {
        return (int) getNIn();
    }

    @Override
    public Layer instantiate(
            NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners,
            int layerIndex,
            INDArray paramsView,
            boolean initializeParams,
            DataType networkDataType) {
        PositionalEmbeddingImpl ret = new PositionalEmbeddingImpl(conf, networkDataType);
        ret.setListeners(listeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(paramsView);
        Map<String, INDArray> paramTable = initializer().init(conf, paramsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /** The input is the (already embedded) sequence: its width must be {@code size}; nIn stays the number of positions. */
    @Override
    public void setNIn(InputType inputType, boolean override) {
        check(inputType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        check(inputType);
        return InputType.recurrent(getNOut(), seqLen(), RNNFormat.NCW);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        check(inputType);
        return null;
    }

    private void check(InputType inputType) {
        InputType.InputTypeRecurrent r =
                SequenceLayers.checkInput("PositionalEmbeddingLayer", getLayerName(), inputType, getNOut());
        if (r.getTimeSeriesLength() > 0 && r.getTimeSeriesLength() != seqLen()) {
            throw new IllegalStateException("PositionalEmbeddingLayer '" + getLayerName() + "' has " + seqLen()
                    + " positions but its input has " + r.getTimeSeriesLength() + " steps");
        }
        if (r.getFormat() != RNNFormat.NCW) {
            throw new IllegalStateException("PositionalEmbeddingLayer '" + getLayerName() + "' needs NCW input");
        }
    }
}
