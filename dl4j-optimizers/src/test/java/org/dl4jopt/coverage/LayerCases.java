package org.dl4jopt.coverage;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CapsuleLayer;
import org.deeplearning4j.nn.conf.layers.CapsuleStrengthLayer;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.GravesBidirectionalLSTM;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocallyConnected1D;
import org.deeplearning4j.nn.conf.layers.LocallyConnected2D;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.PrimaryCapsules;
import org.deeplearning4j.nn.conf.layers.RecurrentAttentionLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The tiny networks of the layer-coverage suite, one per parameterized layer kind DL4J 1.0.0-M2.1 ships. */
final class LayerCases {
    private LayerCases() {}

    static final int CLASSES = 3;

    // ---- fixed batches (seeded; features N(0,1), labels one-hot of a seeded class) ----

    static INDArray oneHot(long seed, int n, int classes) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) y.putScalar(i, r.nextInt(classes), 1.0);
        return y;
    }

    static INDArray gauss(long seed, long... shape) {
        return Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(seed), shape)
                .castTo(DataType.FLOAT);
    }

    static DataSet vectors() {
        return new DataSet(gauss(1, 8, 6), oneHot(2, 8, CLASSES));
    }

    static DataSet images() {
        return new DataSet(gauss(3, 4, 2, 8, 8), oneHot(4, 4, CLASSES));
    }

    static DataSet volumes() {
        return new DataSet(gauss(5, 4, 2, 4, 4, 4), oneHot(6, 4, CLASSES));
    }

    /** Sequences [4, 3, 5], labels per time step [4, 3, 5]. */
    static DataSet sequences() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, CLASSES, 5);
        Random r = new Random(8);
        for (int i = 0; i < 4; i++) for (int t = 0; t < 5; t++) y.putScalar(new int[] {i, r.nextInt(CLASSES), t}, 1.0);
        return new DataSet(gauss(7, 4, 3, 5), y);
    }

    /** Sequences [4, 3, 5], one label per sequence. */
    static DataSet sequencesToClass() {
        return new DataSet(gauss(7, 4, 3, 5), oneHot(9, 4, CLASSES));
    }

    static INDArray indices(long seed, int n, int len, int vocab) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, len);
        for (int i = 0; i < n; i++) for (int t = 0; t < len; t++) x.putScalar(i, t, r.nextInt(vocab));
        return x;
    }

    static DataSet tokens() {
        return new DataSet(indices(10, 8, 1, 10), oneHot(11, 8, CLASSES));
    }

    static DataSet tokenSequences() {
        DataSet s = sequences();
        return new DataSet(indices(12, 4, 5, 10), s.getLabels());
    }

    // ---- layers ----

    static Layer dense(int nOut) {
        return new DenseLayer.Builder().nOut(nOut).activation(Activation.TANH).build();
    }

    static Layer out() {
        return new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build();
    }

    static Layer rnnOut() {
        return new RnnOutputLayer.Builder(LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build();
    }

    static Layer conv(int nOut) {
        return new ConvolutionLayer.Builder(3, 3)
                .nOut(nOut)
                .activation(Activation.TANH)
                .build();
    }

    static Layer conv3d(int nOut) {
        return new Convolution3D.Builder(2, 2, 2)
                .dataFormat(Convolution3D.DataFormat.NCDHW)
                .nOut(nOut)
                .activation(Activation.TANH)
                .build();
    }

    static Layer conv1d() {
        return new Convolution1DLayer.Builder(2)
                .convolutionMode(ConvolutionMode.Same)
                .nOut(4)
                .activation(Activation.TANH)
                .build();
    }

    /** Global average pooling (after 3-D convolutions: DL4J's Cnn3DToFeedForward preprocessor rejected NCDHW). */
    static Layer pool() {
        return new GlobalPoolingLayer.Builder(PoolingType.AVG).build();
    }

    static Layer lstm(int nOut) {
        return new LSTM.Builder().nOut(nOut).activation(Activation.TANH).build();
    }

    /** Makes fresh layer configs (prepare mutates them, so every network needs its own). */
    interface Layers {
        Layer[] make();
    }

    static LayerCase of(String name, InputType type, java.util.function.Supplier<DataSet> data, Layers ls) {
        return new LayerCase(name, () -> List.of(ls.make()), type, data);
    }

    /**
     * Every case: name, network (in both forms), fixed batch. (Embedding inputs are indices; their input type gives
     * the vocabulary size, which DL4J would otherwise override nIn with.)
     */
    static List<LayerCase> all() {
        InputType ff = InputType.feedForward(6);
        InputType img = InputType.convolutional(8, 8, 2);
        InputType seq = InputType.recurrent(3, 5);
        InputType vol = InputType.convolutional3D(Convolution3D.DataFormat.NCDHW, 4, 4, 4, 2);
        List<LayerCase> cs = new ArrayList<>();
        cs.add(of("Dense+Output", ff, LayerCases::vectors, () -> new Layer[] {dense(8), dense(8), out()}));
        cs.add(of("CenterLossOutput", ff, LayerCases::vectors, () -> new Layer[] {
            dense(8),
            new CenterLossOutputLayer.Builder(LossFunction.MCXENT)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build()
        }));
        cs.add(of("Convolution1D", seq, LayerCases::sequences, () -> new Layer[] {conv1d(), conv1d(), rnnOut()}));
        cs.add(of("Convolution2D", img, LayerCases::images, () -> new Layer[] {conv(4), conv(4), out()}));
        cs.add(of("Convolution3D", vol, LayerCases::volumes, () -> new Layer[] {conv3d(4), conv3d(4), pool(), out()}));
        cs.add(of("Deconvolution2D", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            new Deconvolution2D.Builder(2, 2)
                    .stride(2, 2)
                    .nOut(3)
                    .activation(Activation.TANH)
                    .build(),
            out()
        }));
        cs.add(of("Deconvolution3D", vol, LayerCases::volumes, () -> new Layer[] {
            conv3d(4),
            new Deconvolution3D.Builder()
                    .kernelSize(2, 2, 2)
                    .dataFormat(Convolution3D.DataFormat.NCDHW)
                    .nOut(3)
                    .activation(Activation.TANH)
                    .build(),
            pool(),
            out()
        }));
        cs.add(of("DepthwiseConvolution2D", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            new DepthwiseConvolution2D.Builder(3, 3)
                    .depthMultiplier(2)
                    .nOut(8)
                    .activation(Activation.TANH)
                    .build(),
            out()
        }));
        cs.add(of("SeparableConvolution2D", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            new SeparableConvolution2D.Builder(3, 3)
                    .nOut(6)
                    .activation(Activation.TANH)
                    .build(),
            out()
        }));
        cs.add(of("LocallyConnected1D", seq, LayerCases::sequences, () -> new Layer[] {
            new LocallyConnected1D.Builder()
                    .kernelSize(2)
                    .nIn(3)
                    .nOut(4)
                    .setInputSize(5)
                    .activation(Activation.TANH)
                    .build(),
            rnnOut()
        }));
        cs.add(of("LocallyConnected2D", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            new LocallyConnected2D.Builder()
                    .kernelSize(3, 3)
                    .nOut(4)
                    .activation(Activation.TANH)
                    .build(),
            out()
        }));
        cs.add(of("BatchNormalization", img, LayerCases::images, () ->
                new Layer[] {conv(4), new BatchNormalization.Builder().build(), conv(4), out()}));
        cs.add(of("PReLU", img, LayerCases::images, () -> new Layer[] {
            new ConvolutionLayer.Builder(3, 3)
                    .nOut(4)
                    .activation(Activation.IDENTITY)
                    .build(),
            new PReLULayer.Builder().inputShape(4, 6, 6).build(),
            conv(4),
            out()
        }));
        cs.add(of("Embedding", InputType.feedForward(10), LayerCases::tokens, () ->
                new Layer[] {new EmbeddingLayer.Builder().nIn(10).nOut(6).build(), dense(8), out()}));
        cs.add(of("EmbeddingSequence", InputType.recurrent(10, 5), LayerCases::tokenSequences, () -> new Layer[] {
            new EmbeddingSequenceLayer.Builder().nIn(10).nOut(6).inputLength(5).build(), lstm(6), rnnOut()
        }));
        cs.add(of("LSTM+RnnOutput", seq, LayerCases::sequences, () -> new Layer[] {lstm(6), lstm(6), rnnOut()}));
        cs.add(of("GravesLSTM", seq, LayerCases::sequences, () -> new Layer[] {
            new GravesLSTM.Builder().nOut(6).activation(Activation.TANH).build(), rnnOut()
        }));
        cs.add(of("GravesBidirectionalLSTM", seq, LayerCases::sequences, () -> new Layer[] {
            new GravesBidirectionalLSTM.Builder()
                    .nOut(6)
                    .activation(Activation.TANH)
                    .build(),
            rnnOut()
        }));
        cs.add(of("SimpleRnn", seq, LayerCases::sequences, () -> new Layer[] {
            new SimpleRnn.Builder().nOut(6).activation(Activation.TANH).build(), rnnOut()
        }));
        cs.add(of(
                "Bidirectional", seq, LayerCases::sequences, () -> new Layer[] {new Bidirectional(lstm(6)), rnnOut()}));
        cs.add(of("LastTimeStep", seq, LayerCases::sequencesToClass, () ->
                new Layer[] {new LastTimeStep(lstm(6)), out()}));
        cs.add(of("SelfAttention", seq, LayerCases::sequences, () -> new Layer[] {
            new SelfAttentionLayer.Builder()
                    .nOut(4)
                    .nHeads(2)
                    .projectInput(true)
                    .build(),
            rnnOut()
        }));
        cs.add(of("RecurrentAttention", seq, LayerCases::sequences, () -> new Layer[] {
            new RecurrentAttentionLayer.Builder()
                    .nIn(3)
                    .nOut(3)
                    .nHeads(1)
                    .projectInput(false)
                    .activation(Activation.TANH)
                    .build(),
            rnnOut()
        }));
        cs.add(of("Capsules", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            new PrimaryCapsules.Builder(4, 2).kernelSize(3, 3).stride(2, 2).build(),
            new CapsuleLayer.Builder(CLASSES, 4, 2).build(),
            new CapsuleStrengthLayer.Builder().build(),
            new ActivationLayer.Builder().activation(Activation.SOFTMAX).build(),
            new LossLayer.Builder(LossFunction.MCXENT)
                    .activation(Activation.IDENTITY)
                    .build()
        }));
        cs.add(of("FrozenConvolution", img, LayerCases::images, () ->
                new Layer[] {new FrozenLayer(conv(4)), conv(4), out()}));
        cs.add(of("FrozenLayer", ff, LayerCases::vectors, () ->
                new Layer[] {new FrozenLayer(dense(8)), dense(8), out()}));
        cs.add(of("FrozenLayerWithBackprop", ff, LayerCases::vectors, () ->
                new Layer[] {dense(8), new FrozenLayerWithBackprop(dense(8)), out()}));
        cs.add(of("ConvHead+GlobalPooling+Loss", img, LayerCases::images, () -> new Layer[] {
            conv(4),
            conv(4),
            new ConvolutionLayer.Builder(1, 1)
                    .nOut(CLASSES)
                    .activation(Activation.IDENTITY)
                    .build(),
            new GlobalPoolingLayer.Builder(PoolingType.AVG).build(),
            new ActivationLayer.Builder().activation(Activation.SOFTMAX).build(),
            new LossLayer.Builder(LossFunction.MCXENT)
                    .activation(Activation.IDENTITY)
                    .build()
        }));
        return cs;
    }
}
