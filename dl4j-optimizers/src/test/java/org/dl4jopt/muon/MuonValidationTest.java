package org.dl4jopt.muon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.ManualStep;
import org.dl4jopt.NamedState;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.NonFiniteGradientPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Bad hyperparameters are rejected at build time naming the field; bad gradients never corrupt state. */
class MuonValidationTest {

    static void rejects(String field, Supplier<Object> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(field), "message names " + field + ": " + e.getMessage());
    }

    @Test
    void badHyperparametersAreRejectedAtBuild() {
        rejects("Muon.learningRate", () -> Muon.builder().learningRate(-0.1).build());
        rejects(
                "Muon.learningRate",
                () -> Muon.builder().learningRate(Double.NaN).build());
        rejects("Muon.learningRate", () -> new Muon(0));
        rejects("Muon.momentum", () -> Muon.builder().momentum(1.0).build());
        rejects("Muon.momentum", () -> Muon.builder().momentum(-0.1).build());
        rejects("Muon.nsSteps", () -> Muon.builder().nsSteps(0).build());
        rejects("Muon.nsEpsilon", () -> Muon.builder().nsEpsilon(-1).build());
        rejects("Muon.weightDecay", () -> Muon.builder().weightDecay(-1e-3).build());
        rejects(
                "Muon.adamLearningRate",
                () -> Muon.builder().adamLearningRate(0).build());
        rejects("Muon.adamBeta1", () -> Muon.builder().adamBeta1(1).build());
        rejects("Muon.adamBeta2", () -> Muon.builder().adamBeta2(Double.NaN).build());
        rejects("Muon.adamEpsilon", () -> Muon.builder().adamEpsilon(0).build());
        rejects(
                "Muon.adamWeightDecay",
                () -> Muon.builder().adamWeightDecay(Double.POSITIVE_INFINITY).build());
        rejects("matrixRoles", () -> Muon.builder()
                .matrixRoles(org.dl4jopt.layout.ParamRole.VECTOR)
                .build());
    }

    static MultiLayerConfiguration conf(Muon muon) {
        return new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .updater(muon)
                .list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(5)
                        .nOut(2)
                        .build())
                .build();
    }

    @Test
    void unpreparedConfigFailsAtFirstFitNamingTheCall() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf(new Muon()));
        net.init();
        DataSet ds = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 6), Nd4j.rand(DataType.FLOAT, 8, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(ds));
        assertTrue(e.getMessage().contains("Optimizers.prepare"), e.getMessage());
    }

    /** Trains one good step so the momentum is non-zero, then feeds a bad gradient. */
    static MultiLayerNetwork trainedNet(NonFiniteGradientPolicy policy) {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(
                conf(Muon.builder().nonFiniteGradients(policy).build())));
        net.init();
        net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 8, 6), Nd4j.rand(DataType.FLOAT, 8, 2)));
        return net;
    }

    static INDArray badGradient(double bad) {
        INDArray g = Nd4j.rand(DataType.FLOAT, 6, 5);
        g.putScalar(2, 3, bad);
        return g;
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY})
    void nonFiniteGradientThrowsAndLeavesStateUnchanged(double bad) {
        MultiLayerNetwork net = trainedNet(NonFiniteGradientPolicy.THROW);
        INDArray stateBefore = net.getUpdater().getStateViewArray().dup();
        INDArray paramsBefore = net.params().dup();
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ManualStep.apply(net, Map.of("0_W", badGradient(bad)), 1));
        assertTrue(e.getMessage().contains("layer0") && e.getMessage().contains("Non-finite"), e.getMessage());
        assertEquals(stateBefore, net.getUpdater().getStateViewArray());
        assertEquals(paramsBefore, net.params());
        assertTrue(stateBefore.amaxNumber().doubleValue() > 0, "momentum was non-zero before");
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.NEGATIVE_INFINITY})
    void skipPolicyLeavesStateAndLayerUnchanged(double bad) {
        MultiLayerNetwork net = trainedNet(NonFiniteGradientPolicy.SKIP);
        INDArray stateBefore = NamedState.get(net, "layer0", "W_M").dup();
        INDArray wBefore = net.getLayer(0).getParam("W").dup();
        ManualStep.apply(net, Map.of("0_W", badGradient(bad)), 1);
        INDArray state = net.getUpdater().getStateViewArray();
        assertTrue(Double.isFinite(state.sumNumber().doubleValue()), "state finite");
        long n0 = net.getLayer(0).numParams();
        assertEquals(stateBefore, NamedState.get(net, "layer0", "W_M"), "layer0 state unchanged");
        assertEquals(wBefore, net.getLayer(0).getParam("W"), "skipped layer's weights unchanged (no decay set)");
        assertTrue(n0 > 0);
    }
}
