package org.dl4jopt.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.ParallelWrapper.TrainingMode;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/** Small models, data and checks shared by the ParallelWrapper tests. */
final class ParallelRuns {
    static final int BATCH = 32;
    static final int EPOCHS = 3;
    /** 512 examples = 16 batches = 8 rounds of 2 workers per epoch; 24 rounds, a multiple of the averaging period. */
    static final int AVERAGING_FREQUENCY = 3;

    static final DataSet VECTORS = SyntheticData.vectors(512, 10, 4, 1);
    static final DataSet VECTORS_HELD_OUT = SyntheticData.vectors(256, 10, 4, 2);
    static final DataSet SEQUENCES = SyntheticData.sequences(512, 8, 6, 3, 9);
    static final DataSet SEQUENCES_HELD_OUT = SyntheticData.sequences(256, 8, 6, 3, 10);

    private ParallelRuns() {}

    static MultiLayerNetwork mlp(IUpdater u, List<TrainingListener> listeners) {
        MultiLayerNetwork net =
                new MultiLayerNetwork(Optimizers.prepare(TestModels.mlp(u, 7, DataType.FLOAT, 10, 32, 4)));
        net.init();
        net.setListeners(NoisyRuns.with(listeners)); // + gradient noise in a measuring run
        return net;
    }

    static ComputationGraph attention(IUpdater u, List<TrainingListener> listeners) {
        ComputationGraph net =
                new ComputationGraph(Optimizers.prepare(TestModels.attention(u, 5, DataType.FLOAT, 8, 6, 3)));
        net.init();
        net.setListeners(NoisyRuns.with(listeners)); // + gradient noise in a measuring run
        return net;
    }

    /** The builder's listeners go to the workers: ParallelWrapper takes them from the network at build time. */
    @SuppressWarnings("unchecked") // DL4J declares Builder(T model) on a raw-typed class hierarchy: nothing to check
    static ParallelWrapper wrapper(Model net, TrainingMode mode, double sharingThreshold) {
        ParallelWrapper.Builder<Model> b =
                new ParallelWrapper.Builder<>(net).workers(2).prefetchBuffer(2).trainingMode(mode);
        if (mode == TrainingMode.AVERAGING)
            b.averagingFrequency(AVERAGING_FREQUENCY).averageUpdaters(true);
        else b.thresholdAlgorithm(new FixedThresholdAlgorithm(sharingThreshold));
        return b.build();
    }

    static List<TrainingListener> with(WorkerRecorder recorder, List<TrainingListener> more) {
        List<TrainingListener> all = new ArrayList<>(more);
        all.add(recorder);
        return all;
    }

    static Updater updater(Model net) {
        return net instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) net).getUpdater()
                : ((ComputationGraph) net).getUpdater();
    }

    static Layer[] layers(Model net) {
        return net instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) net).getLayers()
                : ((ComputationGraph) net).getLayers();
    }

    /** Σ over every parameter of its updater config's {@code stateSize}: the flat state the config asks DL4J for. */
    static long configuredStateSize(Model net) {
        long total = 0;
        for (Layer l : layers(net)) {
            for (var e : l.paramTable().entrySet()) {
                total += l.conf()
                        .getLayer()
                        .getUpdaterByParam(e.getKey())
                        .stateSize(e.getValue().length());
            }
        }
        return total;
    }

    static List<Class<?>> blockClasses(Updater u) {
        List<Class<?>> out = new ArrayList<>();
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks())
            out.add(b.getGradientUpdater().getClass());
        return out;
    }

    static List<IUpdater> blockConfigs(Updater u) {
        List<IUpdater> out = new ArrayList<>();
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks())
            out.add(b.getGradientUpdater().getConfig());
        return out;
    }

    static void assertFiniteNonZero(String what, INDArray a) {
        double sumAbs = a.norm1Number().doubleValue();
        assertTrue(Double.isFinite(sumAbs), what + " has non-finite elements");
        assertTrue(sumAbs > 0, what + " is all zeros");
    }

    /** max|a - b| / max|b|. */
    static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(b.amaxNumber().doubleValue(), 1e-30);
    }

    /**
     * What every run must show: the rebuilt worker ran the same updater classes from configs equal to the original's
     * (layouts included: they traveled as JSON) with the optimizer's own state size, and its state is finite and
     * non-zero; so is the original's.
     */
    static void assertConfigsTraveled(String what, Model original, WorkerRecorder recorder, TestOptimizer opt) {
        Updater u = updater(original);
        List<IUpdater> configs = blockConfigs(u);
        long stateLength = u.getStateViewArray().length();
        assertEquals(configuredStateSize(original), stateLength, what + ": original state size");
        if (opt.isOurs()) {
            assertTrue(
                    configs.stream()
                            .anyMatch(c -> c instanceof ShapeAwareUpdater && ((ShapeAwareUpdater) c).layout() != null),
                    what + ": our prepared config on the original");
            assertNotEquals(2 * original.numParams(), stateLength, what + ": our state layout, not Adam's 2N");
        } else {
            assertEquals(2 * original.numParams(), stateLength, what + ": Adam's 2N state");
        }
        assertEquals(1 + EPOCHS, recorder.networks(), what + ": the original and one rebuilt worker per fit call");
        WorkerRecorder.Snapshot w = recorder.lastOther(original);
        assertEquals(blockClasses(u), w.gradientUpdaters, what + ": the worker's updater blocks");
        assertEquals(configs, w.configs, what + ": the worker's configs equal the original's (layouts traveled)");
        assertEquals(stateLength, w.state.length(), what + ": the worker's state size");
        assertFiniteNonZero(what + ": worker state", w.state);
        assertFiniteNonZero(what + ": original state", u.getStateViewArray());
        assertNotNull(recorder.of(original), what + ": worker 0 trains the original network");
    }
}
