package org.dl4jopt.coverage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jopt.Optimizers;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/** A MultiLayerNetwork or a ComputationGraph behind the few calls the coverage suite makes. */
abstract class CoverageNet {
    /** Network form: the case's chain as a MultiLayerNetwork or as a ComputationGraph. */
    enum Form {
        MLN,
        GRAPH;

        CoverageNet build(LayerCase c, IUpdater updater) {
            if (this == MLN) {
                MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(c.multiLayer(updater)));
                net.init();
                return new Mln(net);
            }
            ComputationGraph g = new ComputationGraph(Optimizers.prepare(c.graph(updater)));
            g.init();
            return new Graph(g);
        }
    }

    abstract double score(DataSet d);

    abstract void fit(DataSet d);

    abstract INDArray params();

    abstract Map<String, INDArray> snapshot();

    abstract void addListener(TrainingListener l);

    /** Written with its updater to bytes by ModelSerializer and read back. */
    abstract CoverageNet saveAndRestore();

    /** Copies of all parameters and the whole updater state (Bits.snapshot needs every layer to have parameters). */
    static Map<String, INDArray> snapshotOf(INDArray params, INDArray state) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("params", params.dup());
        s.put("updater state", state.dup());
        return s;
    }

    static byte[] bytes(org.deeplearning4j.nn.api.Model m) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ModelSerializer.writeModel(m, out, true);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Mln extends CoverageNet {
        final MultiLayerNetwork net;

        Mln(MultiLayerNetwork net) {
            this.net = net;
        }

        double score(DataSet d) {
            return net.score(d);
        }

        void fit(DataSet d) {
            net.fit(d);
        }

        INDArray params() {
            return net.params();
        }

        Map<String, INDArray> snapshot() {
            return snapshotOf(net.params(), net.getUpdater().getStateViewArray());
        }

        void addListener(TrainingListener l) {
            net.addListeners(l);
        }

        CoverageNet saveAndRestore() {
            try {
                return new Mln(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes(net)), true));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final class Graph extends CoverageNet {
        final ComputationGraph net;

        Graph(ComputationGraph net) {
            this.net = net;
        }

        double score(DataSet d) {
            return net.score(d);
        }

        void fit(DataSet d) {
            net.fit(d);
        }

        INDArray params() {
            return net.params();
        }

        Map<String, INDArray> snapshot() {
            return snapshotOf(net.params(), net.getUpdater().getStateViewArray());
        }

        void addListener(TrainingListener l) {
            net.addListeners(l);
        }

        CoverageNet saveAndRestore() {
            try {
                return new Graph(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes(net)), true));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
