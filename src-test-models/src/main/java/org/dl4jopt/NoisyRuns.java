package org.dl4jopt;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;

/**
 * How the suite's statistical bounds are measured (issue 12): run a test class with {@code -Ddl4jopt.noiseSeed=S}
 * and every network the test passes through {@link #attach} trains with {@link GradientNoise}{@code (1e-6, S)}, and
 * every quantity a bound checks is printed by {@link #record} as a line {@code SPREAD <test> <what> <value>}. Seeds
 * 1, 2, 3 give three runs whose min/median/max set the bound (BENCHMARKS.md, "Statistical test bounds"). Without the
 * property the networks train as written.
 */
public final class NoisyRuns {
    /** The system property holding the noise seed. */
    public static final String SEED_PROPERTY = "dl4jopt.noiseSeed";
    /** Relative gradient noise of a measuring run. */
    public static final double SIGMA = 1e-6;

    private NoisyRuns() {}

    /** The noise listener of this run, or none when {@code dl4jopt.noiseSeed} is not set. */
    public static List<TrainingListener> listeners() {
        String seed = System.getProperty(SEED_PROPERTY);
        List<TrainingListener> out = new ArrayList<>();
        if (seed != null && !seed.isEmpty()) out.add(new GradientNoise(SIGMA, Long.parseLong(seed)));
        return out;
    }

    /** {@code listeners} followed by this run's noise listener (for Spark's and ParallelWrapper's listener lists). */
    public static List<TrainingListener> with(List<TrainingListener> listeners) {
        List<TrainingListener> out = new ArrayList<>(listeners);
        out.addAll(listeners());
        return out;
    }

    /** Adds this run's noise listener to {@code net} (after any {@code setListeners}); returns {@code net}. */
    public static <T extends Model> T attach(T net) {
        for (TrainingListener l : listeners()) net.addListeners(l);
        return net;
    }

    /**
     * Removes the noise listener from {@code net} again: for an exact comparison after the measured training (a
     * restored copy, which trains without it, must take the same steps).
     */
    public static <T extends Model> T detach(T net) {
        Collection<TrainingListener> all = net instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) net).getListeners()
                : ((ComputationGraph) net).getListeners();
        if (all == null) return net;
        List<TrainingListener> kept = new ArrayList<>();
        for (TrainingListener l : all) if (!(l instanceof GradientNoise)) kept.add(l);
        if (kept.size() < all.size()) net.setListeners(kept);
        return net;
    }

    /** Prints {@code SPREAD <calling test class>.<method> <what> <value>} for collecting a bound's spread. */
    public static void record(String what, double value) {
        String caller = StackWalker.getInstance().walk(s -> s.filter(
                        f -> f.getClassName().endsWith("Test"))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("?"));
        System.out.println("SPREAD " + caller + " " + what.replace(' ', '_') + " " + value);
    }
}
