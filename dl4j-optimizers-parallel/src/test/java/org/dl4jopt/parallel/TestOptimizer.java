package org.dl4jopt.parallel;

import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.onebit.OneBitAdam;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Every optimizer of the library, built as the examples' OptimizerRegistry built it (no weight decay), plus DL4J's
 * Adam as the baseline. The Muon family keeps the default rates of before issue 13 (written out: main rates, AdamW
 * fallback 3e-4, FISMO's damping 1e-3, LANTON's Signum rate 3e-4), at which the bounds of these tests were measured;
 * LANTON and the Adam-like ones get a 5-10x larger rate than those defaults so that the tests' 24 steps per worker
 * show a clear fall of the loss.
 */
enum TestOptimizer {
    MUON(
            () -> Muon.builder()
                    .learningRate(0.02)
                    .adamLearningRate(TestOptimizer.OLD_ADAM_LR)
                    .build(),
            false),
    /**
     * FISMO's steps are about 10x Muon's per element (median 2e-2 early, 6e-3 later on the test MLP); with a threshold
     * below that, every element goes out as +-threshold each step (a sign step) and FISMO hardly learns (MLP loss
     * 1.49 -> 1.26 at 5e-3, 1.36 at 2e-3 with lr 2e-3), so its threshold is near its median step.
     */
    FISMO(
            () -> Fismo.builder()
                    .graft(false)
                    .damping(1e-3)
                    .learningRate(0.01)
                    .adamLearningRate(TestOptimizer.OLD_ADAM_LR)
                    .build(),
            false,
            2e-2),
    LANTON(
            () -> Lanton.builder()
                    .learningRate(0.03)
                    .signLearningRate(3e-4)
                    .adamLearningRate(TestOptimizer.OLD_ADAM_LR)
                    .build(),
            false),
    DROPMUON(
            () -> DropMuon.builder()
                    .learningRate(0.02)
                    .adamLearningRate(TestOptimizer.OLD_ADAM_LR)
                    .seed(3)
                    .build(),
            false),
    /** Drop-Muon with its backward-truncating listener, which ParallelWrapper hands to every worker. */
    DROPMUON_BACKPROP(
            () -> DropMuon.builder()
                    .learningRate(0.02)
                    .adamLearningRate(TestOptimizer.OLD_ADAM_LR)
                    .seed(3)
                    .build(),
            true),
    /**
     * Single-worker semantics (no compression); the variance freezes after 10 of the test's 24 steps. 3x the default
     * rate: at 10x the frozen variance lets the attention graph diverge, also without ParallelWrapper, and at 5x one
     * clean CI run of graph averaging diverged (1.27 -> 15.7) when ParallelWrapper's start-up race shifted a worker.
     */
    ONEBIT_ADAM(
            () -> OneBitAdam.builder()
                    .momentumMaskThreshold(0)
                    .learningRate(3 * OneBitAdam.DEFAULT_LEARNING_RATE)
                    .freezeStep(10)
                    .biasCorrection(true)
                    .build(),
            false,
            1e-2),
    AM_SGD(
            () -> AdaptiveMemorySgd.builder()
                    .learningRate(0.5) // the default
                    .build(),
            false),
    AM_ADAMW(
            () -> AdaptiveMemoryAdamW.builder()
                    .learningRate(1e-2) // 10x its default of issue 15 (1e-3), at which the bounds were measured
                    .build(),
            false,
            1e-2),
    ADAM(() -> new Adam(1e-2), false, 1e-2);

    /** The Muon family's AdamW fallback rate before issue 13 (Muon and Drop-Muon: 1e-3 now). */
    private static final double OLD_ADAM_LR = 3e-4;

    private final Supplier<IUpdater> factory;
    private final boolean backprop;
    private final double sharingThreshold;

    TestOptimizer(Supplier<IUpdater> factory, boolean backprop) {
        this(factory, backprop, 2e-3);
    }

    TestOptimizer(Supplier<IUpdater> factory, boolean backprop, double sharingThreshold) {
        this.factory = factory;
        this.backprop = backprop;
        this.sharingThreshold = sharingThreshold;
    }

    /**
     * Gradient sharing sends each element of a worker's update as +-threshold once it (with the residual carried
     * over) reaches the threshold, so no element moves more than workers x threshold per step. DL4J's default
     * adaptive threshold starts at 1e-4 and rises only until at most 1% of the elements go out, which lets these tiny
     * models barely move in 24 steps; a fixed threshold near the optimizer's typical update size suits them.
     */
    double sharingThreshold() {
        return sharingThreshold;
    }

    IUpdater create() {
        return factory.get();
    }

    List<TrainingListener> listeners() {
        return backprop ? List.of(new DropMuonBackprop()) : List.of();
    }

    boolean isOurs() {
        return this != ADAM;
    }
}
