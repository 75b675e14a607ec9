package org.dl4jopt.zoo;

import java.util.function.Supplier;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.onebit.OneBitAdam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Every optimizer at its library defaults. 1-bit Adam's default warm-up (100000 steps, DeepSpeed's) never ends in a
 * few fits, so it is also run with {@code freezeStep(3)} (its only non-default), which reaches the frozen-variance
 * phase after three steps.
 */
public enum ZooOptimizer {
    MUON(() -> Muon.builder().build()),
    DROP_MUON(() -> DropMuon.builder().build()),
    FISMO(() -> Fismo.builder().build()),
    LANTON(() -> Lanton.builder().build()),
    ONE_BIT_ADAM(() -> OneBitAdam.builder().build()),
    ONE_BIT_ADAM_FREEZE_3(() -> OneBitAdam.builder().freezeStep(3).build()),
    AM_SGD(() -> AdaptiveMemorySgd.builder().build()),
    AM_ADAMW(() -> AdaptiveMemoryAdamW.builder().build());

    private final Supplier<IUpdater> config;

    ZooOptimizer(Supplier<IUpdater> config) {
        this.config = config;
    }

    public IUpdater config() {
        return config.get();
    }
}
