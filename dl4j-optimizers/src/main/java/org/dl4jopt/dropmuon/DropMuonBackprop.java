package org.dl4jopt.dropmuon;

import java.io.Serializable;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.UpdateGate;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Skips Drop-Muon's backward pass below the cutoff in a {@link MultiLayerNetwork}: one line,
 * {@code net.addListeners(new DropMuonBackprop())}. After each forward pass it finds the highest layer {@code k}
 * such that every layer {@code 0..k} is frozen at this iteration (or has no parameters) and wraps layer {@code k} in
 * DL4J's runtime {@link FrozenLayer}, where {@code MultiLayerNetwork.calcBackpropGradients} stops; the original layer
 * is put back right after the backward pass. The frozen layers' gradients are then not computed at all (their
 * updaters ignore them). Layers with any other updater than Drop-Muon (or NoOp) stop the truncation below them, so
 * they always get their true gradient.
 *
 * <p>One instance may serve several networks at once (ParallelWrapper hands the same listener instance to all its
 * workers, which train concurrently): each network's swapped layer is kept separately, keyed by the network.
 * Serializable (its state is transient), so Spark can ship it to executors with the training master's listeners.
 *
 * <p>ComputationGraph: not truncated (its backward pass has no such stop); the frozen layers' updates are still
 * skipped, so results are the same, only without the backward saving.
 */
public class DropMuonBackprop extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The layer array a wrapper was put into, the index and the original layer, per network in its passes. */
    private static final class Swap {
        final Layer[] layers;
        final int index;
        final Layer original;

        Swap(Layer[] layers, int index, Layer original) {
            this.layers = layers;
            this.index = index;
            this.original = original;
        }
    }

    /** Swapped layers per network; transient and rebuilt empty after deserialization (nothing is swapped then). */
    private transient Map<Model, Swap> swaps;

    private synchronized Map<Model, Swap> swaps() {
        if (swaps == null) swaps = Collections.synchronizedMap(new IdentityHashMap<>());
        return swaps;
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        restore(model);
        if (!(model instanceof MultiLayerNetwork)) return;
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        // DL4J creates the gradient views lazily at the start of the backward pass; they must reach the real layer,
        // not the temporary FrozenLayer wrapper, so create them now.
        if (net.getFlattenedGradients() == null) net.initGradientsView();
        Layer[] layers = net.getLayers();
        int k = truncationIndex(layers, net.getIterationCount());
        if (k < 0 || k >= layers.length - 1) return;
        Layer original = layers[k];
        layers[k] = new FrozenLayer(original);
        swaps().put(model, new Swap(layers, k, original));
    }

    @Override
    public void onBackwardPass(Model model) {
        restore(model);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        restore(model);
    }

    private void restore(Model model) {
        Swap s = swaps().remove(model);
        if (s != null) s.layers[s.index] = s.original;
    }

    /** Highest index whose layer and all layers below are frozen at this iteration or parameterless; -1 if none. */
    static int truncationIndex(Layer[] layers, int iteration) {
        int k = -1;
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            if (l.numParams() == 0) {
                k = i;
                continue;
            }
            if (!frozen(l.getConfig(), l.paramTable().keySet(), iteration)) break;
            k = i;
        }
        return k;
    }

    private static boolean frozen(TrainingConfig conf, Iterable<String> keys, int iteration) {
        boolean anyDropMuon = false;
        for (String key : keys) {
            IUpdater u = conf.getUpdaterByParam(key);
            if (u instanceof NoOp) continue;
            if (!(u instanceof DropMuon)) return false;
            DropMuon d = (DropMuon) u;
            d.markBackpropTruncated();
            UpdateGate gate = ((ShapeAwareUpdater) d).updateGate();
            if (gate.active(iteration)) return false;
            anyDropMuon = true;
        }
        return anyDropMuon;
    }
}
