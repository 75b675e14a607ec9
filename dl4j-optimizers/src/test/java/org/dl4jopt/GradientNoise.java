package org.dl4jopt;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multiplies every gradient element by {@code 1 + sigma * N(0,1)} before the updater runs (a listener's
 * {@code onGradientCalculation}), so a test can show that its bound does not depend on how the last bits of one
 * machine's BLAS round: statistical bounds are set from the spread of several such runs.
 */
public final class GradientNoise extends BaseTrainingListener {
    private final double sigma;
    private final Random rng;

    public GradientNoise(double sigma, long seed) {
        this.sigma = sigma;
        this.rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray g = model instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) model).getFlattenedGradients()
                : ((ComputationGraph) model).getFlattenedGradients();
        INDArray noise =
                Nd4j.randn(rng, g.shape()).castTo(g.dataType()).muli(sigma).addi(1.0);
        g.muli(noise);
    }
}
