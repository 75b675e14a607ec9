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
 * machine's BLAS round: statistical bounds are set from the spread of several such runs (see {@link NoisyRuns}).
 *
 * <p>Serializable (the generator is made from the seed where the listener runs), so Spark can ship it to its workers;
 * ParallelWrapper's workers share one instance, hence the lock around the draw.
 */
public final class GradientNoise extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double sigma;
    private final long seed;
    private transient Random rng;

    public GradientNoise(double sigma, long seed) {
        this.sigma = sigma;
        this.seed = seed;
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray g = model instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) model).getFlattenedGradients()
                : ((ComputationGraph) model).getFlattenedGradients();
        INDArray noise;
        synchronized (this) {
            if (rng == null) rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
            noise = Nd4j.randn(rng, g.shape());
        }
        g.muli(noise.castTo(g.dataType()).muli(sigma).addi(1.0));
    }
}
