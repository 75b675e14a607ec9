package org.dl4jopt.dropmuon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.dl4jopt.NamedState;
import org.dl4jopt.core.ExactCounter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Drop-Muon's AdamW fallback is bias-corrected by the number of updates the layer actually received (issue #13), not
 * by the global iteration: the first update of a layer that was frozen before is Adam's first step,
 * {@code u = g / (|g| + eps)} (magnitude ~1 per element), where the iteration's correction gives less (0.74 after one frozen iteration).
 */
class DropMuonFallbackCountTest {
    static final double LR = 1e-3;

    /** Records conv1's bias gradient (layer 0) as DL4J hands it to the updater. */
    static final class BiasGradient extends BaseTrainingListener {
        INDArray last;

        @Override
        public void onGradientCalculation(Model model) {
            INDArray g = model.gradient().getGradientFor("0_b");
            last = g == null ? null : g.dup();
        }
    }

    @Test
    void firstUpdateAfterFrozenIterationsIsAdamsFirstStep() {
        // cutoff 0 or 1 with equal odds: conv1 (position 0) is updated only when the cutoff is 0
        DropMuon cfg = DropMuonNetworkTest.dropMuon()
                .weightDecay(0)
                .adamWeightDecay(0)
                .adamLearningRate(LR)
                .cutoffWeights(1, 1, 0, 0)
                .build();
        MultiLayerNetwork net = DropMuonNetworkTest.cnn(cfg, true);
        BiasGradient grads = new BiasGradient();
        net.addListeners(grads);
        int it = 0;
        int frozen = 0;
        while (cfg.cutoff().cutoff(it, DropMuonNetworkTest.BLOCKS) != 0) {
            DropMuonNetworkTest.fit(net, it, 1);
            it++;
            frozen++;
        }
        assertTrue(frozen >= 1, "precondition: conv1 frozen at iteration 0 (seed 3)");
        assertEquals(0, ExactCounter.read(NamedState.get(net, "conv1", "b_t")), "no update received yet");
        INDArray before = net.getLayer(0).getParam("b").dup();
        DropMuonNetworkTest.fit(net, it, 1);
        INDArray step = before.sub(net.getLayer(0).getParam("b"));
        INDArray g = grads.last;
        INDArray adamFirst = g.div(Transforms.abs(g).add(1e-8)).muli(LR);
        double err = step.sub(adamFirst).norm2Number().doubleValue()
                / adamFirst.norm2Number().doubleValue();
        assertTrue(
                err < 1e-4,
                "first update of conv1's bias after " + frozen + " frozen iterations: relative error " + err
                        + " from Adam's first step (the iteration's bias correction gives 0.74 after one frozen iteration)");
        assertEquals(1, ExactCounter.read(NamedState.get(net, "conv1", "b_t")), "one update received");
    }
}
