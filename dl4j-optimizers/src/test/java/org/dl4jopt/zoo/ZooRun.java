package org.dl4jopt.zoo;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.GradientNoise;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One zoo training run: {@code updates} fits on one fixed batch with 1e-6 relative gradient noise (seeded). The loss
 * is measured before the first fit ({@code first}) and after the last ({@code last}) on a copy of the network in
 * training mode (batch statistics, as {@code fit} sees them) with the same dropout masks both times (the RNG
 * reseeded): the {@code score()} of two fits compares two random masks (AlexNet, VGG16, SimpleCNN, SqueezeNet and UNet
 * drop out half their units). Without dropout the two measures agree: {@code last} is the loss {@code score()}
 * reported after fit {@code updates + 1}. {@code worst} is the worst of {@code first}, the fits' scores and
 * {@code last}.
 */
public final class ZooRun {
    public final double first;
    public final double last;
    public final double worst;
    public final long millis;
    /** The {@code score()} of every fit (training mode, that fit's masks), for the trajectory. */
    public final double[] scores;

    private ZooRun(double first, double last, double worst, long millis, double[] scores) {
        this.first = first;
        this.last = last;
        this.worst = worst;
        this.millis = millis;
        this.scores = scores;
    }

    public static ZooRun run(ZooNet net, IUpdater updater, long noiseSeed, int updates) {
        Nd4j.getRandom().setSeed(1234);
        long t0 = System.nanoTime();
        Model m = net.build(updater);
        m.addListeners(new GradientNoise(1e-6, noiseSeed));
        DataSet batch = net.batch(42);
        double first = fixedMaskLoss(m, batch);
        double worst = first;
        double[] scores = new double[updates];
        int fits = 0;
        while (fits < updates && Double.isFinite(worst)) {
            if (m instanceof MultiLayerNetwork) ((MultiLayerNetwork) m).fit(batch);
            else ((ComputationGraph) m).fit(batch);
            scores[fits] = m.score();
            worst = worse(worst, scores[fits++]);
        }
        double last = Double.isFinite(worst) ? fixedMaskLoss(m, batch) : worst;
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new ZooRun(first, last, worse(worst, last), millis, Arrays.copyOf(scores, fits));
    }

    /** The training-mode loss of a copy of {@code m} (its BN statistics untouched) with the masks of RNG seed 777. */
    static double fixedMaskLoss(Model m, DataSet batch) {
        if (m instanceof MultiLayerNetwork) {
            MultiLayerNetwork c = ((MultiLayerNetwork) m).clone();
            Nd4j.getRandom().setSeed(777);
            return c.score(batch, true);
        }
        ComputationGraph c = ((ComputationGraph) m).clone();
        Nd4j.getRandom().setSeed(777);
        return c.score(batch, true);
    }

    private static double worse(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    /** last / first: below 1 when the loss fell. */
    public double ratio() {
        return last / first;
    }

    @Override
    public String toString() {
        return String.format("%.6g -> %.6g (x%.5g, %d ms)", first, last, ratio(), millis);
    }
}
