package org.dl4jopt.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The zoo check shared by {@link ZooLightTest} and {@link ZooHeavyTest}. */
final class ZooTraining {
    /** Updates per run; 1-bit Adam with {@code freezeStep(3)} does 4 of them with the frozen variance. */
    static final int UPDATES = 7;

    private ZooTraining() {}

    static Stream<Arguments> cases(boolean heavy) {
        List<Arguments> c = new ArrayList<>();
        for (ZooNet n : ZooNet.values()) {
            if (n.group == ZooNet.Group.REPORT) continue;
            for (ZooOptimizer o : ZooOptimizer.values()) {
                if (isHeavy(n, o) == heavy) c.add(Arguments.of(n, o));
            }
        }
        return c.stream();
    }

    /**
     * The heavy models, and FISMO on TextGenerationLSTM: its GravesLSTM input matrices have a 1024-long side (4 gates x
     * 256), within FISMO's default {@code maxPreconditionedDim}, so every step does 1024x1024 eigendecompositions
     * (minutes for 8 fits on 2 cores).
     */
    static boolean isHeavy(ZooNet n, ZooOptimizer o) {
        return n.group == ZooNet.Group.HEAVY || (n == ZooNet.TEXT_GENERATION_LSTM && o == ZooOptimizer.FISMO);
    }

    /**
     * Prepare, {@link #UPDATES} fits on one fixed batch: every loss finite and the last below the first ("not rising"),
     * both measured with the same dropout masks ({@link ZooRun}).
     * The bound 1 is far from every measured ratio (see the callers' spread comments), so last-bit rounding cannot
     * flip it; a diverging default (FISMO on batch-normalized CNNs, AM-SGD at lr 0.5, 1-bit Adam without the mask
     * before this suite) fails it.
     */
    static void assertTrains(ZooNet net, ZooOptimizer opt) {
        ZooRun r = ZooRun.run(net, opt.config(), 100, UPDATES);
        String what = net + " x " + opt + ": loss " + r;
        System.out.println("ZOO " + what); // the figures BENCHMARKS.md records
        assertTrue(Double.isFinite(r.worst), what + " (not finite)");
        assertTrue(r.last < r.first, what + " (rose)");
    }
}
