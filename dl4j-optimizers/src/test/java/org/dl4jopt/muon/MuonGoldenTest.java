package org.dl4jopt.muon;

import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.ManualStep;
import org.dl4jopt.Mat;
import org.dl4jopt.Optimizers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Spec section 1.10: two full Muon steps (Nesterov, beta 0.95, lr 0.02, decoupled wd 0.01) on a 4x3 PyTorch-oriented
 * matrix, which DL4J stores transposed as a [nIn=3, nOut=4] 'f' dense weight, so the transpose path and the Keller
 * scale sqrt(4/3) are exercised. Run through a real network: layout, updater block, weight decay, params -= update.
 */
class MuonGoldenTest {
    static final double[][] W0 = {{0.1, -0.2, 0.3}, {0, 0.5, -0.1}, {0.2, 0.2, 0.2}, {-0.3, 0.1, 0}};
    static final double[][] G1 = {{1, 0, -1}, {0.5, 0.5, 0.5}, {0, -2, 1}, {0.3, 0, 0}};
    static final double[][] G2 = {{0, 1, 0}, {-1, 0.5, 0}, {0.2, 0.2, -0.4}, {0, 0, 1}};
    static final double[][] W1 = {
        {0.08348528, -0.19701333, 0.31454342},
        {-0.01567828, 0.48962409, -0.11618597},
        {0.19722052, 0.22284076, 0.18851044},
        {-0.30683621, 0.09941703, -0.00194779}
    };
    static final double[][] W2 = {
        {0.07132565, -0.21550914, 0.31830924},
        {0.00005430, 0.47906080, -0.11583334},
        {0.19406127, 0.23474647, 0.18684042},
        {-0.31723799, 0.09774387, -0.02061246}
    };

    static MultiLayerNetwork net(DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type)
                .updater(Muon.builder()
                        .learningRate(0.02)
                        .momentum(0.95)
                        .nesterov(true)
                        .weightDecay(0.01)
                        .adamLearningRate(3e-4) // the reference's auxiliary Adam rate, at which the golden was computed
                        .build())
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(3)
                        .nOut(4)
                        .hasBias(false)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(4)
                        .nOut(2)
                        .activation(Activation.IDENTITY)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(conf));
        net.init();
        net.getLayer(0).setParam("W", Mat.of(type, Mat.transpose(W0)));
        return net;
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"FLOAT", "DOUBLE"})
    void twoStepsMatchGolden(DataType type) {
        double tol = type == DataType.FLOAT ? 1e-5 : 1e-6;
        MultiLayerNetwork net = net(type);
        ManualStep.apply(net, Map.of("0_W", Mat.of(type, Mat.transpose(G1))), 0);
        Mat.assertClose(Mat.transpose(W1), net.getLayer(0).getParam("W"), tol);
        ManualStep.apply(net, Map.of("0_W", Mat.of(type, Mat.transpose(G2))), 1);
        Mat.assertClose(Mat.transpose(W2), net.getLayer(0).getParam("W"), tol);
    }
}
