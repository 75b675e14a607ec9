package org.dl4jopt.bench;

import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.Optimizers;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The optimizers of the benchmarks by name (the names of {@code examples/run}), each at its library defaults; the
 * baselines are DL4J's {@code Adam} (lr 1e-3) and {@code Nesterovs} (sgd: lr 0.05, momentum 0.9).
 */
final class BenchOptimizers {
    private BenchOptimizers() {}

    static final String BASELINE = "adam";

    static IUpdater updater(String name) {
        Supplier<IUpdater> s;
        switch (name) {
            case "adam":
                s = () -> new Adam(1e-3);
                break;
            case "sgd":
                s = () -> new Nesterovs(0.05, 0.9);
                break;
            case "muon":
                s = Muon::new;
                break;
            case "dropmuon":
                s = () -> DropMuon.builder().build();
                break;
            case "fismo":
                s = () -> Fismo.builder().build();
                break;
            case "lanton":
                s = () -> Lanton.builder().build();
                break;
            case "onebit-adam":
                s = () -> OneBitAdam.builder().build();
                break;
            case "am-sgd":
                s = () -> AdaptiveMemorySgd.builder().build();
                break;
            case "am-adamw":
                s = () -> AdaptiveMemoryAdamW.builder().build();
                break;
            default:
                throw new IllegalArgumentException("unknown optimizer " + name);
        }
        return s.get();
    }

    /** The reference CNN with {@code name}'s updater, initialized (seed 42, fp32); Drop-Muon with its listener. */
    static MultiLayerNetwork cnn(String name) {
        MultiLayerNetwork net =
                new MultiLayerNetwork(Optimizers.prepare(TestModels.cnn(updater(name), 42, DataType.FLOAT)));
        net.init();
        if (name.equals("dropmuon")) {
            net.setListeners(List.of(new DropMuonBackprop()));
        }
        return net;
    }

    /** Bytes of the network's flat updater state (what DL4J saves and averages), fp32. */
    static long stateBytes(MultiLayerNetwork net) {
        return net.getUpdater(true).getStateViewArray().length() * DataType.FLOAT.width();
    }
}
