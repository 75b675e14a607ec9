package org.dl4jopt.am;

import java.util.List;
import org.dl4jopt.core.BlockArrays;
import org.dl4jopt.core.CrossLayerRule;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.WorkBuffers;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AM-SGD's global beta (spec B.4, B.6; the reference AM-MSGD): one beta per iteration from the inner products summed
 * over every AM-SGD parameter of the network, computed by the network's leader before any layer is updated. Slot 0
 * of the context holds it.
 */
final class AmGlobalBeta implements CrossLayerRule {
    private final AdaptiveMemorySgd config;
    private final AmBeta solver = new AmBeta();
    private final WorkBuffers diff = new WorkBuffers();

    AmGlobalBeta(AdaptiveMemorySgd config, List<ShapeAwareUpdater> members) {
        this.config = config;
        for (ShapeAwareUpdater m : members) {
            if (!(m instanceof AdaptiveMemorySgd) || !config.sharesGlobalBeta((AdaptiveMemorySgd) m)) {
                throw new IllegalArgumentException("AdaptiveMemorySgd GLOBAL: layer '"
                        + m.requireLayout().layerName() + "' has other lambda, betaMax, fixedBeta or rates than layer '"
                        + config.requireLayout().layerName() + "'; one network-wide beta needs one set. Use one "
                        + "config for the network or granularity PER_TENSOR.");
            }
        }
    }

    @Override
    public int slots() {
        return 1;
    }

    @Override
    public void compute(List<BlockArrays> members, double[] out, int iteration, int epoch) {
        BlockArrays first = members.get(0);
        double t = ExactCounter.read(first.state(0, "t")) + 1;
        if (!config.adaptive() || t == 1) { // fixed beta, or the first step (d = g)
            out[0] = config.adaptive() ? 0.0 : config.fixedBeta();
            return;
        }
        double r = AmBeta.rateRatio(
                ExactCounter.readDouble(first.state(0, "lrPrev")), config.getLearningRate(iteration, epoch), t);
        solver.reset();
        for (BlockArrays b : members) {
            for (int i = 0; i < b.paramCount(); i++) {
                INDArray g = b.gradient(i);
                solver.addSgd(g, b.state(i, "d"), diff.like(g), config.lambda(), r);
            }
        }
        out[0] = solver.beta(config.betaMax());
    }
}
