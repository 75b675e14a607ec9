package org.dl4jopt.zoo;

import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.TextGenerationLSTM;
import org.deeplearning4j.zoo.model.TinyYOLO;
import org.deeplearning4j.zoo.model.UNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.Xception;
import org.dl4jopt.Optimizers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The DL4J 1.0.0-M2.1 zoo models, each built through its own zoo builder with {@code .updater(ours)} as a user would,
 * at a small input (the smallest each architecture builds with, or near it) and with one fixed batch of random data.
 * {@link #group} says which test group checks a model ({@link Group}).
 */
public enum ZooNet {
    LENET(Group.LIGHT, 4, new int[] {1, 28, 28}, 4, u -> LeNet.builder()
            .numClasses(4)
            .updater(u)
            .build()
            .init()),
    SIMPLE_CNN(
            Group.HEAVY,
            4,
            new int[] {3, 48, 48},
            4,
            u -> withLossLayer((MultiLayerNetwork) SimpleCNN.builder()
                    .numClasses(4)
                    .inputShape(new int[] {3, 48, 48})
                    .updater(u)
                    .build()
                    .init())),
    SQUEEZENET(Group.LIGHT, 2, new int[] {3, 64, 64}, 4, u -> SqueezeNet.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 64, 64})
            .updater(u)
            .build()
            .init()),
    DARKNET19(Group.HEAVY, 2, new int[] {3, 64, 64}, 4, u -> Darknet19.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 64, 64})
            .updater(u)
            .build()
            .init()),
    TINY_YOLO(Group.HEAVY, 2, new int[] {3, 64, 64}, 2, u -> tinyYolo(u, 64)),
    /** TinyYOLO at 128 px, batch 4 (4x4 grid), for BENCHMARKS.md "TinyYOLO". */
    TINY_YOLO_128(Group.REPORT, 4, new int[] {3, 128, 128}, 2, u -> tinyYolo(u, 128)),
    TEXT_GENERATION_LSTM(Group.LIGHT, 4, new int[] {12, 10}, 10, u -> TextGenerationLSTM.builder()
            .maxLength(12)
            .totalUniqueCharacters(10)
            .inputShape(new int[] {12, 10})
            .updater(u)
            .build()
            .init()),
    ALEXNET(Group.HEAVY, 2, new int[] {3, 64, 64}, 4, u -> AlexNet.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 64, 64})
            .updater(u)
            .build()
            .init()),
    VGG16_(Group.HEAVY, 2, new int[] {3, 32, 32}, 4, u -> VGG16.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 32, 32})
            .updater(u)
            .build()
            .init()),
    RESNET50(Group.HEAVY, 2, new int[] {3, 96, 96}, 4, u -> ResNet50.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 96, 96})
            .updater(u)
            .build()
            .init()),
    UNET(Group.HEAVY, 2, new int[] {3, 32, 32}, 1, u -> UNet.builder()
            .inputShape(new int[] {3, 32, 32})
            .updater(u)
            .build()
            .init()),
    XCEPTION(Group.HEAVY, 2, new int[] {3, 71, 71}, 4, u -> Xception.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 71, 71})
            .updater(u)
            .build()
            .init()),
    INCEPTION_RESNET_V1(Group.HEAVY, 2, new int[] {3, 96, 96}, 4, u -> InceptionResNetV1.builder()
            .numClasses(4)
            .inputShape(new int[] {3, 96, 96})
            .updater(u)
            .build()
            .init());

    /** Which test group checks a model. */
    public enum Group {
        /** In the default test run ({@code ZooLightTest}). */
        LIGHT,
        /**
         * Only with {@code -Pzoo} ({@code ZooHeavyTest}): ResNet50, VGG16, AlexNet, Xception, InceptionResNetV1, UNet;
         * SimpleCNN (eight convolutions up to 256 channels at 48 px: minutes per FISMO run on a busy 2-core machine);
         * Darknet19 and TinyYOLO, whose 1024-channel 3x3 convolutions make every matrix-rule step cost seconds.
         */
        HEAVY,
        /** No check, only {@code ZooMatrixReport}'s measurements. */
        REPORT
    }

    public final Group group;

    final int batch;
    final int[] inputShape;
    final int classes;
    private final Function<IUpdater, Model> build;

    ZooNet(Group group, int batch, int[] inputShape, int classes, Function<IUpdater, Model> build) {
        this.group = group;
        this.batch = batch;
        this.inputShape = inputShape;
        this.classes = classes;
        this.build = build;
    }

    /** The zoo builder's network with {@code updater}, initialized, then {@code Optimizers.prepare}d. */
    public Model build(IUpdater updater) {
        Model m = build.apply(updater);
        if (m instanceof MultiLayerNetwork) return Optimizers.prepare((MultiLayerNetwork) m);
        return Optimizers.prepare((ComputationGraph) m);
    }

    /**
     * SimpleCNN ends in a softmax {@code ActivationLayer}, not an output layer (DL4J cannot {@code fit} it as built):
     * the softmax becomes a {@code LossLayer} (softmax, MCXENT) through {@code TransferLearning}, as a user would.
     */
    private static MultiLayerNetwork withLossLayer(MultiLayerNetwork net) {
        return new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build()) // nothing changed
                .removeLayersFromOutput(1)
                .addLayer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
    }

    private static Model tinyYolo(IUpdater u, int px) {
        return TinyYOLO.builder()
                .numClasses(2)
                .inputShape(new int[] {3, px, px})
                .updater(u)
                .build()
                .init();
    }

    /** One fixed batch: N(0,1) inputs, labels in the form the model's output layer takes. */
    public DataSet batch(long seed) {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        int c = inputShape[0];
        switch (this) {
            case TEXT_GENERATION_LSTM: { // [mb, chars, time] one-hot characters, labels the next character
                int t = inputShape[0];
                int chars = inputShape[1];
                INDArray ids = Nd4j.rand(rng, batch, t + 1).muli(chars);
                INDArray x = Nd4j.zeros(DataType.FLOAT, batch, chars, t);
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, chars, t);
                for (int b = 0; b < batch; b++) {
                    for (int s = 0; s < t; s++) {
                        x.putScalar(b, (int) ids.getDouble(b, s), s, 1.0);
                        y.putScalar(b, (int) ids.getDouble(b, s + 1), s, 1.0);
                    }
                }
                return new DataSet(x, y);
            }
            case UNET: { // per-pixel binary mask, CnnLossLayer with sigmoid + XENT
                INDArray x = Nd4j.randn(rng, new long[] {batch, c, inputShape[1], inputShape[2]});
                INDArray y = Nd4j.rand(rng, batch, 1, inputShape[1], inputShape[2]);
                Transforms.step(y.subi(0.5), false); // 0/1 with p = 1/2
                return new DataSet(x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT));
            }
            case TINY_YOLO:
            case TINY_YOLO_128: { // one box per image: [x1, y1, x2, y2 (grid units), class one-hot] at its centre cell
                int grid = inputShape[1] / 32;
                INDArray x = Nd4j.randn(rng, new long[] {batch, c, inputShape[1], inputShape[2]});
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 4 + classes, grid, grid);
                for (int b = 0; b < batch; b++) {
                    int cx = b % grid;
                    int cy = (b / grid) % grid;
                    double[] box = {cx + 0.2, cy + 0.1, cx + 0.9, cy + 0.8};
                    for (int k = 0; k < 4; k++) y.putScalar(new int[] {b, k, cy, cx}, box[k]);
                    y.putScalar(new int[] {b, 4 + b % classes, cy, cx}, 1.0);
                }
                return new DataSet(x.castTo(DataType.FLOAT), y);
            }
            default: {
                long[] shape = this == LENET || this == VGG16_
                        ? new long[] {batch, (long) c * inputShape[1] * inputShape[2]} // convolutionalFlat input
                        : new long[] {batch, c, inputShape[1], inputShape[2]};
                INDArray x = Nd4j.randn(rng, shape).castTo(DataType.FLOAT);
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
                for (int b = 0; b < batch; b++) y.putScalar(b, b % classes, 1.0);
                return new DataSet(x, y);
            }
        }
    }
}
