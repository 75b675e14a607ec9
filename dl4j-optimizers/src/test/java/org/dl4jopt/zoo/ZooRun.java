package org.dl4jopt.zoo;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.GradientNoise;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One zoo training run: {@code fits} fits on one fixed batch with 1e-6 relative gradient noise (seeded), the loss a
 * user sees ({@code score()} after each fit: the loss at the weights before that fit's update, in training mode).
 * {@code first} is the loss at the initial weights, {@code last} after {@code fits - 1} updates.
 */
public final class ZooRun {
    public final double first;
    public final double last;
    public final double worst;
    public final long millis;

    private ZooRun(double first, double last, double worst, long millis) {
        this.first = first;
        this.last = last;
        this.worst = worst;
        this.millis = millis;
    }

    public static ZooRun run(ZooNet net, IUpdater updater, long noiseSeed, int fits) {
        Nd4j.getRandom().setSeed(1234);
        long t0 = System.nanoTime();
        Model m = net.build(updater);
        m.addListeners(new GradientNoise(1e-6, noiseSeed));
        DataSet batch = net.batch(42);
        double first = Double.NaN;
        double last = Double.NaN;
        double worst = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < fits; i++) {
            if (m instanceof MultiLayerNetwork) ((MultiLayerNetwork) m).fit(batch);
            else ((ComputationGraph) m).fit(batch);
            last = m.score();
            if (i == 0) first = last;
            worst = Double.isNaN(last) ? Double.NaN : Math.max(worst, last);
            if (!Double.isFinite(last)) break;
        }
        return new ZooRun(first, last, worst, (System.nanoTime() - t0) / 1_000_000);
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
