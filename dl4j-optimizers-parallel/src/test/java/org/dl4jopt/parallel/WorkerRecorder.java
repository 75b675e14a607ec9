package org.dl4jopt.parallel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A listener that ParallelWrapper hands to every worker (it moves the network's listeners to its workers). After each
 * step of each worker it keeps a copy of that worker's parameters and updater state and what its updater blocks are
 * made of, so a test can look at the workers, which ParallelWrapper closes when {@code fit} returns.
 */
final class WorkerRecorder extends BaseTrainingListener {
    /** One worker's network after its last step. */
    static final class Snapshot {
        final long seq;
        final int iteration;
        final INDArray params;
        final INDArray state;
        final List<Class<?>> gradientUpdaters;
        final List<IUpdater> configs;

        Snapshot(
                long seq,
                int iteration,
                INDArray params,
                INDArray state,
                List<Class<?>> gradientUpdaters,
                List<IUpdater> configs) {
            this.seq = seq;
            this.iteration = iteration;
            this.params = params;
            this.state = state;
            this.gradientUpdaters = gradientUpdaters;
            this.configs = configs;
        }
    }

    private final AtomicLong counter = new AtomicLong();
    private final Map<Model, Snapshot> last = Collections.synchronizedMap(new IdentityHashMap<>());

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Updater u = model instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) model).getUpdater(false)
                : ((ComputationGraph) model).getUpdater(false);
        List<Class<?>> classes = new ArrayList<>();
        List<IUpdater> configs = new ArrayList<>();
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks()) {
            classes.add(b.getGradientUpdater().getClass());
            configs.add(b.getGradientUpdater().getConfig());
        }
        last.put(
                model,
                new Snapshot(
                        counter.incrementAndGet(),
                        iteration,
                        model.params().dup(),
                        u.getStateViewArray().dup(),
                        classes,
                        configs));
    }

    /** The snapshot of {@code model} (the original network: worker 0). */
    Snapshot of(Model model) {
        return last.get(model);
    }

    /**
     * The latest snapshot of a worker other than {@code original}: a network ParallelWrapper rebuilt from JSON (it
     * rebuilds one per {@code fit} call; this is the last call's). Null if there is none.
     */
    Snapshot lastOther(Model original) {
        synchronized (last) {
            Snapshot best = null;
            for (Map.Entry<Model, Snapshot> e : last.entrySet()) {
                if (e.getKey() != original && (best == null || e.getValue().seq > best.seq)) best = e.getValue();
            }
            return best;
        }
    }

    /** Number of distinct networks that trained (original + every rebuilt worker). */
    int networks() {
        return last.size();
    }
}
