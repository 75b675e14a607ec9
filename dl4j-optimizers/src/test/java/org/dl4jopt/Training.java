package org.dl4jopt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The shared "training works" check: fit {@code steps} batches (cycling) and compare the first batch's loss. The
 * network trains with gradient noise in a measuring run ({@link NoisyRuns}) during these steps only, and the ratio
 * is recorded.
 */
public final class Training {
    private Training() {}

    public static void assertLossFalls(
            String what, MultiLayerNetwork net, List<DataSet> data, int steps, double factor) {
        NoisyRuns.attach(net);
        try {
            assertLossFalls(what, net::score, net::fit, data, steps, factor);
        } finally {
            NoisyRuns.detach(net);
        }
    }

    public static void assertLossFalls(
            String what, ComputationGraph net, List<DataSet> data, int steps, double factor) {
        NoisyRuns.attach(net);
        try {
            assertLossFalls(what, net::score, net::fit, data, steps, factor);
        } finally {
            NoisyRuns.detach(net);
        }
    }

    private static void assertLossFalls(
            String what,
            ToDoubleFunction<DataSet> score,
            Consumer<DataSet> fit,
            List<DataSet> data,
            int steps,
            double factor) {
        double first = score.applyAsDouble(data.get(0));
        for (int i = 0; i < steps; i++) fit.accept(data.get(i % data.size()));
        double last = score.applyAsDouble(data.get(0));
        NoisyRuns.record(what, last / first);
        assertTrue(last < factor * first, what + ": loss " + first + " -> " + last + " (wanted < " + factor + "x)");
    }
}
