package org.dl4jopt.testmodels;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Reference network configurations for tests, examples and benchmarks. Each method returns a configuration
 * (not an initialised network) using the given updater for all layers, so the same model can be trained with
 * e.g. {@code Muon} or DL4J's {@code Adam}. Layers are named so per-layer parameters can be addressed by name.
 */
public final class TestModels {
    private TestModels() {}

    /**
     * The reference Fashion-MNIST CNN for input [N, 1, 28, 28] (NCHW), convolution mode Same:
     * conv1 (3x3, 16, ReLU) → pool1 (max 2x2) → conv2 (3x3, 32, ReLU) → pool2 (max 2x2) → dense (128, ReLU)
     * → output (10, softmax, MCXENT). About 207k parameters.
     */
    public static MultiLayerConfiguration cnn(IUpdater updater, long seed, DataType dtype) {
        return base(updater, seed, dtype)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv1")
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(maxPool("pool1"))
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv2")
                        .nOut(32)
                        .activation(Activation.RELU)
                        .build())
                .layer(maxPool("pool2"))
                .layer(new DenseLayer.Builder()
                        .name("dense")
                        .nOut(128)
                        .activation(Activation.RELU)
                        .build())
                .layer(softmaxOutput(10))
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
    }

    /**
     * The "3-layer CNN" with [64, 128, 256] channels of the Drop-Muon paper's experiments (spec muon-dropmuon §2.7;
     * its exact layout is not published): three blocks conv (3x3, Same, ReLU) → max pool 2x2 for input
     * [N, 1, 28, 28] (Same-mode pooling: 28, 14, 7, 4), then the output layer (10, softmax, MCXENT) on the
     * 4x4x256 features. 410,634 parameters, about 60 MFLOP per image forward.
     */
    public static MultiLayerConfiguration threeLayerCnn(IUpdater updater, long seed, DataType dtype) {
        NeuralNetConfiguration.ListBuilder list =
                base(updater, seed, dtype).convolutionMode(ConvolutionMode.Same).list();
        int[] channels = {64, 128, 256};
        for (int i = 0; i < channels.length; i++) {
            list.layer(new ConvolutionLayer.Builder(3, 3)
                            .name("conv" + (i + 1))
                            .nOut(channels[i])
                            .activation(Activation.RELU)
                            .build())
                    .layer(maxPool("pool" + (i + 1)));
        }
        return list.layer(softmaxOutput(10))
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
    }

    /**
     * {@link #cnn} with batch normalisation after each convolution (convolutions without bias, ReLU applied by a
     * separate activation layer, since DL4J's BatchNormalization ignores its activation function):
     * conv1 → bn1 → relu1 → pool1 → conv2 → bn2 → relu2 → pool2 → dense → output.
     */
    public static MultiLayerConfiguration cnnWithBatchNorm(IUpdater updater, long seed, DataType dtype) {
        return base(updater, seed, dtype)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv1")
                        .nOut(16)
                        .hasBias(false)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new ActivationLayer.Builder()
                        .name("relu1")
                        .activation(Activation.RELU)
                        .build())
                .layer(maxPool("pool1"))
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv2")
                        .nOut(32)
                        .hasBias(false)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn2").build())
                .layer(new ActivationLayer.Builder()
                        .name("relu2")
                        .activation(Activation.RELU)
                        .build())
                .layer(maxPool("pool2"))
                .layer(new DenseLayer.Builder()
                        .name("dense")
                        .nOut(128)
                        .activation(Activation.RELU)
                        .build())
                .layer(softmaxOutput(10))
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
    }

    /** MLP for [N, nIn] input: dense1 (hidden, tanh) → dense2 (hidden, tanh) → output (nClasses, softmax). */
    public static MultiLayerConfiguration mlp(
            IUpdater updater, long seed, DataType dtype, int nIn, int hidden, int nClasses) {
        return base(updater, seed, dtype)
                .list()
                .layer(new DenseLayer.Builder()
                        .name("dense1")
                        .nOut(hidden)
                        .activation(Activation.TANH)
                        .build())
                .layer(new DenseLayer.Builder()
                        .name("dense2")
                        .nOut(hidden)
                        .activation(Activation.TANH)
                        .build())
                .layer(softmaxOutput(nClasses))
                .setInputType(InputType.feedForward(nIn))
                .build();
    }

    /**
     * Small self-attention classifier for sequences [N, nIn, length] (NCW), labels [N, nClasses]:
     * in → attn ({@link SelfAttentionLayer}, 2 heads of size nIn/2, projected, nOut = nIn) → residual (in + attn)
     * → pool (global average over time) → dense (32, ReLU) → output (nClasses, softmax). Requires nIn &gt;= 2.
     * Graph input is named "in".
     */
    public static ComputationGraphConfiguration attention(
            IUpdater updater, long seed, DataType dtype, int nIn, int length, int nClasses) {
        if (nIn < 2) throw new IllegalArgumentException("nIn must be >= 2 for 2 attention heads, got " + nIn);
        return base(updater, seed, dtype)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(nIn, length))
                .addLayer(
                        "attn",
                        new SelfAttentionLayer.Builder()
                                .nIn(nIn)
                                .nOut(nIn)
                                .nHeads(2)
                                .headSize(nIn / 2)
                                .projectInput(true)
                                .build(),
                        "in")
                .addVertex("residual", new ElementWiseVertex(ElementWiseVertex.Op.Add), "in", "attn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "residual")
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nOut(32)
                                .activation(Activation.RELU)
                                .build(),
                        "pool")
                .addLayer(
                        "output",
                        new OutputLayer.Builder(LossFunction.MCXENT)
                                .nOut(nClasses)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "dense")
                .setOutputs("output")
                .build();
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater, long seed, DataType dtype) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dtype)
                .updater(updater)
                .weightInit(WeightInit.XAVIER);
    }

    private static SubsamplingLayer maxPool(String name) {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                .name(name)
                .build();
    }

    private static OutputLayer softmaxOutput(int nClasses) {
        return new OutputLayer.Builder(LossFunction.MCXENT)
                .name("output")
                .nOut(nClasses)
                .activation(Activation.SOFTMAX)
                .build();
    }
}
