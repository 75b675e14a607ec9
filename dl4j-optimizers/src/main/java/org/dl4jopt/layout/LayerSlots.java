package org.dl4jopt.layout;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.dl4jopt.core.CoupledL2;
import org.dl4jopt.core.DecoupledWeightDecay;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Where a layer configuration keeps the updater configs and regularization lists of its parameters, seen through
 * wrappers: frozen layers and {@link BaseWrapperLayer}s (LastTimeStep, FrozenLayerWithBackprop, ...) delegate to the
 * wrapped layer, {@link Bidirectional} to its forward layer with the 'f'/'b' prefix stripped from parameter keys.
 * DL4J has no common setter for these, so this class knows the three owners that hold them: {@link BaseLayer},
 * {@link AbstractSameDiffLayer} and {@link SameDiffVertex}.
 */
final class LayerSlots {
    /** Which of the owner's two regularization lists a parameter uses. */
    enum ListKind {
        WEIGHTS,
        BIASES
    }

    private final Object owner;

    private LayerSlots(Object owner) {
        this.owner = owner;
    }

    /** The owner of the slots of a (possibly wrapped) layer, or an error naming the unsupported type. */
    static LayerSlots of(Object layerOrVertex) {
        Object o = layerOrVertex;
        while (true) {
            if (o instanceof Bidirectional) o = ((Bidirectional) o).getFwd();
            else if (o instanceof FrozenLayer) o = ((FrozenLayer) o).getLayer();
            else if (o instanceof BaseWrapperLayer) o = ((BaseWrapperLayer) o).getUnderlying();
            else break;
        }
        if (o instanceof BaseLayer || o instanceof AbstractSameDiffLayer || o instanceof SameDiffVertex) {
            return new LayerSlots(o);
        }
        throw new IllegalArgumentException("Layer type "
                + layerOrVertex.getClass().getName() + " (wrapping "
                + o.getClass().getName() + ") keeps its updater in a place dl4j-optimizers does not know; use a "
                + "DL4J updater for this layer or open an issue.");
    }

    /** The innermost layer or vertex (the one holding the slots). */
    Object owner() {
        return owner;
    }

    /** Replaces every updater slot holding exactly {@code old} by {@code replacement}; true if any did. */
    boolean replaceUpdater(IUpdater old, IUpdater replacement) {
        boolean done = false;
        if (owner instanceof BaseLayer) {
            BaseLayer l = (BaseLayer) owner;
            if (l.getIUpdater() == old) {
                l.setIUpdater(replacement);
                done = true;
            }
            if (l.getBiasUpdater() == old) {
                l.setBiasUpdater(replacement);
                done = true;
            }
        } else if (owner instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer l = (AbstractSameDiffLayer) owner;
            if (l.getUpdater() == old) {
                l.setUpdater(replacement);
                done = true;
            }
            if (l.getBiasUpdater() == old) {
                l.setBiasUpdater(replacement);
                done = true;
            }
        } else {
            SameDiffVertex v = (SameDiffVertex) owner;
            if (v.getUpdater() == old) {
                v.setUpdater(replacement);
                done = true;
            }
            if (v.getBiasUpdater() == old) {
                v.setBiasUpdater(replacement);
                done = true;
            }
        }
        return done;
    }

    /**
     * Keeps the weights of a {@code FrozenLayerWithBackprop} exactly as they are: DL4J runs the wrapped layer's own
     * updater and regularization on the zeroed gradient, so every shape-aware updater slot becomes {@link NoOp} and
     * this library's weight decay is removed. Returns true if any slot held a shape-aware updater.
     */
    boolean freezeShapeAware() {
        boolean done = false;
        for (Object up : updaters()) {
            if (up instanceof ShapeAwareUpdater) done |= replaceUpdater((IUpdater) up, new NoOp());
        }
        for (ListKind kind : ListKind.values()) {
            List<Regularization> old = regularization(kind);
            if (old == null) continue;
            List<Regularization> kept = new ArrayList<>();
            for (Regularization r : old) {
                if (!(r instanceof DecoupledWeightDecay) && !(r instanceof CoupledL2)) kept.add(r);
            }
            if (kept.size() != old.size()) setRegularization(kind, kept);
        }
        return done;
    }

    private Object[] updaters() {
        if (owner instanceof BaseLayer) {
            return new Object[] {((BaseLayer) owner).getIUpdater(), ((BaseLayer) owner).getBiasUpdater()};
        } else if (owner instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer l = (AbstractSameDiffLayer) owner;
            return new Object[] {l.getUpdater(), l.getBiasUpdater()};
        }
        SameDiffVertex v = (SameDiffVertex) owner;
        return new Object[] {v.getUpdater(), v.getBiasUpdater()};
    }

    /** The regularization list of the given kind (may be null). */
    List<Regularization> regularization(ListKind kind) {
        if (owner instanceof BaseLayer) {
            BaseLayer l = (BaseLayer) owner;
            return kind == ListKind.WEIGHTS ? l.getRegularization() : l.getRegularizationBias();
        } else if (owner instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer l = (AbstractSameDiffLayer) owner;
            return kind == ListKind.WEIGHTS ? l.getRegularization() : l.getRegularizationBias();
        }
        SameDiffVertex v = (SameDiffVertex) owner;
        return kind == ListKind.WEIGHTS ? v.getRegularization() : v.getRegularizationBias();
    }

    /** Sets the regularization list of the given kind (a fresh list: DL4J builders may share list instances). */
    void setRegularization(ListKind kind, List<Regularization> list) {
        if (owner instanceof BaseLayer) {
            BaseLayer l = (BaseLayer) owner;
            if (kind == ListKind.WEIGHTS) l.setRegularization(list);
            else l.setRegularizationBias(list);
        } else if (owner instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer l = (AbstractSameDiffLayer) owner;
            if (kind == ListKind.WEIGHTS) l.setRegularization(list);
            else l.setRegularizationBias(list);
        } else {
            SameDiffVertex v = (SameDiffVertex) owner;
            if (kind == ListKind.WEIGHTS) v.setRegularization(list);
            else v.setRegularizationBias(list);
        }
    }

    /** The innermost owner's key for a key of the outer layer (Bidirectional prefixes 'f'/'b'). */
    static String innerKey(Object outer, String key) {
        return outer instanceof Bidirectional ? key.substring(1) : key;
    }

    /**
     * Which list DL4J applies to parameter {@code key} of the outer layer, or null when it applies none (e.g. batch
     * normalization never regularizes gamma/beta).
     */
    ListKind kindOf(TrainingConfig outer, String key) {
        if (outer.getRegularizationByParam(key) == null) return null;
        String k = innerKey(outer, key);
        boolean weight;
        if (owner instanceof BaseLayer) {
            BaseLayer l = (BaseLayer) owner;
            weight = l.initializer().isWeightParam(l, k);
        } else if (owner instanceof AbstractSameDiffLayer) {
            weight = ((AbstractSameDiffLayer) owner).getLayerParams().isWeightParam(k);
        } else {
            weight = ((SameDiffVertex) owner).getVertexParams().isWeightParam(k);
        }
        return weight ? ListKind.WEIGHTS : ListKind.BIASES;
    }
}
