package org.dl4jopt.parallel;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Safe {@code ParallelWrapper.fit(...)} for DL4J 1.0.0-M2.1: use {@code ParallelTraining.fit(wrapper, data)} instead of
 * {@code wrapper.fit(data)}. It works around two defects of that release that hit every updater, ours and DL4J's:
 *
 * <ol>
 * <li><b>Lost updater state.</b> Worker 0 of a {@code ParallelWrapper} trains the original network itself, and when
 * a {@code fit} call ends its trainer calls {@code clear()} on it. {@code MultiLayerNetwork.clear()} drops the network's
 * solver, and with it the updater and its state (momentum, Adam moments, ...). The next {@code getUpdater()} then
 * builds a new updater with zero state, so every {@code fit} call would start the optimizer again from scratch.
 * {@code ComputationGraph.clear()} keeps the solver, so graphs are not affected.</li>
 * <li><b>Deadlock with gradient sharing</b> (DL4J issues #6519 and #5876). In the next {@code fit} call, worker 0
 * enters the synchronized {@code MultiLayerNetwork.fit} of the original network and, in {@code SHARED_GRADIENTS} or
 * {@code CUSTOM} mode, waits inside {@code EncodedGradientsAccumulator.synchronize} for worker 1. Worker 1 first copies
 * the original network's updater state; since the updater is gone it creates one, which calls the synchronized
 * {@code MultiLayerNetwork.getLayers()} and blocks on the lock worker 0 holds. Whether it hangs depends on which thread
 * gets there first. On a busy 2-core machine 16 of 20 runs hung in their second {@code fit} call; with this class, 25
 * of 25 runs of five {@code fit} calls finished. The first {@code fit} never hangs, because the
 * {@code ParallelWrapper} constructor creates the updater.</li>
 * </ol>
 *
 * <p>The fix uses public API only. Before {@code fit} it creates the updater on the calling thread
 * ({@code net.getUpdater()}), while no worker holds the network's lock. After {@code fit} it puts that same updater
 * back ({@code net.setUpdater(u)}). Worker 0 updated that updater's state in place, and in {@code AVERAGING} mode the
 * averaged state was written into it, so training continues with the state it had.
 */
public final class ParallelTraining {
    private ParallelTraining() {}

    /** One pass over {@code data} with {@code wrapper}, keeping the network's updater and its state. */
    public static void fit(ParallelWrapper wrapper, DataSetIterator data) {
        Updater kept = prepare(wrapper);
        try {
            wrapper.fit(data);
        } finally {
            restore(wrapper, kept);
        }
    }

    /** {@code epochs} passes over {@code data} (reset between passes), each through {@link #fit(ParallelWrapper, DataSetIterator)}. */
    public static void fit(ParallelWrapper wrapper, DataSetIterator data, int epochs) {
        checkEpochs(epochs);
        for (int e = 0; e < epochs; e++) {
            if (e > 0 && data.resetSupported()) data.reset();
            fit(wrapper, data);
        }
    }

    /** As {@link #fit(ParallelWrapper, DataSetIterator)} for multi-input data (ComputationGraph). */
    public static void fit(ParallelWrapper wrapper, MultiDataSetIterator data) {
        Updater kept = prepare(wrapper);
        try {
            wrapper.fit(data);
        } finally {
            restore(wrapper, kept);
        }
    }

    /** {@code epochs} passes over {@code data} (reset between passes). */
    public static void fit(ParallelWrapper wrapper, MultiDataSetIterator data, int epochs) {
        checkEpochs(epochs);
        for (int e = 0; e < epochs; e++) {
            if (e > 0 && data.resetSupported()) data.reset();
            fit(wrapper, data);
        }
    }

    /**
     * Creates the original network's updater on the calling thread, before any worker runs. Returns it for a
     * MultiLayerNetwork so it can be put back after the fit; returns null for a ComputationGraph, which keeps it anyway.
     */
    static Updater prepare(ParallelWrapper wrapper) {
        Model model = wrapper.getModel();
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getUpdater();
        }
        if (model instanceof ComputationGraph) {
            ((ComputationGraph) model).getUpdater();
            return null;
        }
        throw new IllegalArgumentException("ParallelWrapper model must be a MultiLayerNetwork or ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** Puts the updater {@link #prepare} returned back on the network if the wrapper's trainers dropped it. */
    static void restore(ParallelWrapper wrapper, Updater kept) {
        if (kept == null) return;
        MultiLayerNetwork net = (MultiLayerNetwork) wrapper.getModel();
        if (net.getUpdater(false) == null) net.setUpdater(kept);
    }

    private static void checkEpochs(int epochs) {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
}
