package org.dl4jopt.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dl4jopt.testmodels.SyntheticData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The update step alone ({@code getUpdater().update} over every block, as {@link TrainingStepBenchmark#updateStep})
 * of the reference CNN at batch 64, for several optimizers in one process, interleaved call by call so that every
 * optimizer sees the same machine state; prints each one's median time and its ratio to the first (DL4J's Adam).
 * {@code benchmarks/compare-update-step} runs it alternately on two revisions of the library.
 *
 * <p>Usage: {@code UpdateStepRounds adam,muon,... CALLS} (the first fifth of the calls is warm-up).
 */
public final class UpdateStepRounds {
    private UpdateStepRounds() {}

    public static void main(String[] args) {
        List<String> names = List.of(args[0].split(","));
        int calls = Integer.parseInt(args[1]);
        List<DataSet> data = SyntheticData.images(64 * 8, 3).batchBy(64);
        Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
        Map<String, Gradient> gradients = new LinkedHashMap<>();
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (String name : names) {
            MultiLayerNetwork net = BenchOptimizers.cnn(name);
            for (int i = 0; i < 10; i++) net.fit(data.get(i % data.size()));
            net.setInput(data.get(0).getFeatures());
            net.setLabels(data.get(0).getLabels());
            net.computeGradientAndScore();
            nets.put(name, net);
            gradients.put(name, net.gradient());
            saved.put(name, net.getFlattenedGradients().dup());
        }
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        for (int c = 0; c < calls; c++) {
            for (String name : names) {
                MultiLayerNetwork net = nets.get(name);
                net.getFlattenedGradients().assign(saved.get(name)); // the same gradient before every call
                Nd4j.getExecutioner().commit();
                long t0 = System.nanoTime();
                net.getUpdater().update(net, gradients.get(name), 10 + c, 0, 64, LayerWorkspaceMgr.noWorkspaces());
                Nd4j.getExecutioner().commit();
                if (c >= calls / 5)
                    ms.computeIfAbsent(name, k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
            }
        }
        double base = median(ms.get(names.get(0)));
        for (String name : names) {
            double m = median(ms.get(name));
            System.out.printf("%-12s median %.3f ms  ratio %.3f%n", name, m, m / base);
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
