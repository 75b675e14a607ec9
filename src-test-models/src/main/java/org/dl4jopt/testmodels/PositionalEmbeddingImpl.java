package org.dl4jopt.testmodels;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;

/**
 * Runtime of {@link PositionalEmbeddingLayer}: forward {@code y = x + W^T} broadcast over the minibatch
 * ({@code x, y: [mb, size, T]}, {@code W: [T, size]}); backward {@code dL/dW = sum_b (dL/dy[b])^T},
 * {@code dL/dx = dL/dy}.
 */
final class PositionalEmbeddingImpl extends BaseLayer<PositionalEmbeddingLayer> {
    private static final long serialVersionUID = 1L;

    PositionalEmbeddingImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void checkInput() {
        assertInputSet(false);
        PositionalEmbeddingLayer c = layerConf();
        if (input.rank() != 3 || input.size(1) != c.getNOut() || input.size(2) != c.seqLen()) {
            throw new IllegalArgumentException("PositionalEmbeddingLayer '" + c.getLayerName() + "' expects input [mb, "
                    + c.getNOut() + ", " + c.seqLen() + "], got " + Arrays.toString(input.shape()));
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        INDArray table = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, workspaceMgr); // [T, size]
        INDArray x = input.castTo(dataType);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        return Broadcast.add(x, table.transpose(), out, 1, 2);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        INDArray gradW = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY); // [T, size] view
        gradW.transpose().assign(epsilon.sum(0)); // sum over the minibatch: [size, T]
        Gradient g = new DefaultGradient();
        g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, gradW);
        return new Pair<>(g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon));
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return false;
    }
}
