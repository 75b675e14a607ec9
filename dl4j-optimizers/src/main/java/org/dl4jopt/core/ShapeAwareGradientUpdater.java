package org.dl4jopt.core;

import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Applies a shape-aware optimizer to one DL4J updater block. The block's flat gradient is cut into the parameters of
 * the config's {@link LayerLayout}, in order; each parameter's segment and state slice go either to the subclass's
 * matrix rule or to the shared AdamW fallback. The gradient is replaced in place by the update, which DL4J then
 * subtracts from the parameters (after adding decoupled weight decay, see {@link DecoupledWeightDecay}).
 *
 * <p>All state lives in the view DL4J hands over (a slice of the network's flat updater state), so it is saved,
 * restored, cloned and averaged by DL4J like Adam's. Work buffers are transient and reused across steps.
 *
 * @param <T> the config type
 */
public abstract class ShapeAwareGradientUpdater<T extends ShapeAwareUpdater> implements GradientUpdater<T> {
    private static final Logger log = LoggerFactory.getLogger(ShapeAwareGradientUpdater.class);
    /** Key of the single flat state array in {@link #getState()}. */
    public static final String STATE = "STATE";

    protected final T config;
    protected final LayerLayout layout;
    protected final StateLayout stateLayout;
    protected final UpdateGate gate;
    private final long[] segmentOffsets;
    private INDArray state;
    private INDArray[] stateSlices;
    private INDArray[][] work = new INDArray[0][];

    protected ShapeAwareGradientUpdater(T config) {
        config.validate();
        this.config = config;
        this.layout = config.requireLayout();
        this.stateLayout = new StateLayout(config);
        this.gate = config.updateGate();
        List<ParamLayout> params = layout.params();
        segmentOffsets = new long[params.size() + 1];
        for (int i = 0; i < params.size(); i++) segmentOffsets[i + 1] = segmentOffsets[i] + params.get(i).length();
    }

    @Override
    public T getConfig() {
        return config;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (viewArray == null || viewArray.length() != stateLayout.total()) {
            throw new IllegalStateException(config.name() + " of layer '" + layout.layerName() + "' expects "
                    + stateLayout.total() + " state elements, DL4J provided "
                    + (viewArray == null ? "none" : viewArray.length()) + ". The updater block does not match the "
                    + "layout written by Optimizers.prepare(conf): was the configuration changed afterwards?");
        }
        if (initialize) viewArray.assign(0);
        state = viewArray.reshape(viewArray.length());
        List<ParamLayout> params = layout.params();
        stateSlices = new INDArray[params.size()];
        for (int i = 0; i < params.size(); i++) {
            long off = stateLayout.offset(i);
            stateSlices[i] = state.get(NDArrayIndex.interval(off, off + stateLayout.need(i)));
        }
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        INDArray s = stateMap.get(STATE);
        if (s == null || stateMap.size() != 1) {
            throw new IllegalStateException("State map must hold exactly the key " + STATE + ", got "
                    + stateMap.keySet());
        }
        setStateViewArray(s, s.shape(), s.ordering(), initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return Collections.singletonMap(STATE, state);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (state == null) throw new IllegalStateException("Updater has not been given its state view");
        if (gradient.length() != layout.length()) {
            throw new IllegalStateException(config.name() + " of layer '" + layout.layerName() + "' got a gradient "
                    + "of " + gradient.length() + " elements for a layout of " + layout.length() + " " + layout.params()
                    + ". Call Optimizers.prepare(conf) again on the final configuration.");
        }
        INDArray flat = gradient.reshape(gradient.length());
        if (gate != null && !gate.active(iteration)) {
            flat.assign(0);          // not updated this iteration; its gradient may not even have been computed
            return;
        }
        if (!Double.isFinite(Kernels.sumOfSquares(flat))) {
            if (config.nonFiniteGradients() == NonFiniteGradientPolicy.THROW) {
                throw new NonFiniteGradientException("Non-finite (NaN/Inf) gradient in layer '" + layout.layerName()
                        + "' at iteration " + iteration + "; " + config.name() + " state left unchanged. Lower the "
                        + "learning rate, check the input data, or choose nonFiniteGradients(SKIP) to skip such steps.");
            }
            log.warn("Skipping {} step of layer '{}' at iteration {}: non-finite gradient (state unchanged)",
                    config.name(), layout.layerName(), iteration);
            flat.assign(0);
            return;
        }
        applyParams(flat, config.getLearningRate(iteration, epoch), iteration, epoch);
    }

    /**
     * Updates every parameter of the block in layout order: the matrix rule or the AdamW fallback. Optimizers whose
     * rule couples the parameters of a layer (AM's per-layer beta) override this.
     */
    protected void applyParams(INDArray flat, double lr, int iteration, int epoch) {
        double fallbackLr = config.fallbackLearningRate(iteration, epoch);
        List<ParamLayout> params = layout.params();
        for (int i = 0; i < params.size(); i++) {
            ParamLayout p = params.get(i);
            INDArray g = segment(flat, i);
            INDArray s = stateSlices[i];
            if (config.usesMatrixRule(p)) {
                applyMatrixRule(i, p, g, s, lr, iteration, epoch);
            } else {
                long n = p.length();
                AdamWKernel.apply(g, s.get(NDArrayIndex.interval(0, n)), s.get(NDArrayIndex.interval(n, 2 * n)),
                        fallbackLr, config.fallback(), iteration);
            }
        }
    }

    /** Parameter {@code i}'s segment of the block's flat gradient (a view). */
    protected INDArray segment(INDArray flat, int i) {
        return flat.get(NDArrayIndex.interval(segmentOffsets[i], segmentOffsets[i + 1]));
    }

    /** Where parameter {@code i}'s segment starts in the block's flat gradient. */
    protected long segmentStart(int i) {
        return segmentOffsets[i];
    }

    /**
     * A flat work buffer shaped like {@code like} for parameter {@code index}, one per {@code slot}: allocated once,
     * outside any DL4J workspace, and reused at every step.
     */
    protected INDArray workBuffer(int slot, int index, INDArray like) {
        if (slot >= work.length) work = java.util.Arrays.copyOf(work, slot + 1);
        if (work[slot] == null) work[slot] = new INDArray[layout.params().size()];
        if (work[slot][index] == null) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                work[slot][index] = Nd4j.create(like.dataType(), like.length());
            }
        }
        return work[slot][index];
    }

    /** Parameter {@code i}'s state slice. */
    protected INDArray stateSlice(int i) {
        return stateSlices[i];
    }

    /**
     * Applies this updater's matrix rule to one parameter with an explicit state slice, so that a wrapper optimizer
     * (LANTON) can reuse Muon's or FISMO's rule on part of its own state.
     */
    public void matrixStep(int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration,
                           int epoch) {
        applyMatrixRule(index, p, g, state, lr, iteration, epoch);
    }

    /**
     * Replaces {@code g} (parameter {@code p}'s flat gradient segment) by its update, using {@code state} (a slice of
     * {@code config.matrixStateSize(p)} elements).
     */
    protected abstract void applyMatrixRule(int index, ParamLayout p, INDArray g, INDArray state, double lr,
                                            int iteration, int epoch);
}
