package org.dl4jopt.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jopt.layout.LayerLayout;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * Applies a shape-aware optimizer to one DL4J updater block. The block's flat gradient is cut into the parameters of
 * the config's {@link LayerLayout}, in order; each parameter's segment and state slice go either to the subclass's
 * matrix rule or to the shared AdamW fallback. The gradient is replaced in place by the update, which DL4J then
 * subtracts from the parameters (after adding decoupled weight decay, see {@link DecoupledWeightDecay}).
 *
 * <p>Every step starts with the network-level step ({@link NetworkStep}): the rate and NaN/Inf checks and the
 * cross-layer rules run once per iteration, in the network's first block of ours, before any state changes.
 *
 * <p>All state lives in the view DL4J hands over (a slice of the network's flat updater state), so it is saved,
 * restored, cloned and averaged by DL4J like Adam's; each parameter's state is declared by name ({@link StateSpec}).
 * Work buffers are transient and reused across steps.
 *
 * @param <T> the config type
 */
public abstract class ShapeAwareGradientUpdater<T extends ShapeAwareUpdater> implements GradientUpdater<T> {
    /** Key of the single flat state array in {@link #getState()}. */
    public static final String STATE = "STATE";

    protected final T config;
    protected final LayerLayout layout;
    protected final StateLayout stateLayout;
    protected final UpdateGate gate;
    private final NetworkStep step;
    private final T skippedView;
    private boolean skipped;
    private INDArray state;
    private INDArray[] stateSlices;
    /** Views of the named state pieces, made once per state array (a view costs more than the scalar it reads). */
    private java.util.Map<String, INDArray>[] named;

    private INDArray[][] work = new INDArray[0][];
    private INDArray lastGradient;
    private INDArray flat;
    private final ViewCache segments;
    private final ViewCache matrixViews;
    private final ViewCache stateViews;

    @SuppressWarnings("unchecked")
    protected ShapeAwareGradientUpdater(T config) {
        config.validate();
        this.config = config;
        this.layout = config.requireLayout();
        this.stateLayout = new StateLayout(config);
        this.gate = config.updateGate();
        this.step = config.plan() == null ? null : new NetworkStep(config); // null: a rule used by a wrapper
        this.skippedView = (T) config.skippedStep();
        int n = layout.params().size();
        this.segments = new ViewCache(n);
        this.matrixViews = new ViewCache(n);
        this.stateViews = new ViewCache(n);
    }

    /**
     * The config; after a skipped iteration a copy whose rate is 0, because DL4J multiplies the decoupled weight
     * decay it applies after this updater by {@code getConfig().getLearningRate(...)}: a skipped step then leaves the
     * weights exactly as they were.
     */
    @Override
    public T getConfig() {
        return skipped ? skippedView : config;
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
        if (step == null) new NetworkStep(config); // throws: the config has no network plan
        state = viewArray.reshape(viewArray.length());
        step.attach(state);
        List<ParamLayout> params = layout.params();
        stateSlices = new INDArray[params.size()];
        named = newViewCache(params.size());
        for (int i = 0; i < params.size(); i++) stateSlices[i] = stateLayout.slice(state, i);
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        INDArray s = stateMap.get(STATE);
        if (s == null) {
            throw new IllegalStateException(
                    "State map must hold the key " + STATE + " (the block's flat state), got " + stateMap.keySet());
        }
        setStateViewArray(s, s.shape(), s.ordering(), initialize);
    }

    /**
     * The block's flat state under {@link #STATE}, and a view of every declared piece under
     * {@code "<paramKey>_<piece>"} (e.g. {@code W_M}, {@code b_V}), as DL4J's Adam names {@code M} and {@code V}.
     */
    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(STATE, state);
        List<ParamLayout> params = layout.params();
        for (int i = 0; i < params.size(); i++) {
            for (String name : stateLayout.spec(i).names()) {
                out.put(params.get(i).key() + "_" + name, stateLayout.spec(i).view(stateSlices[i], name));
            }
        }
        return out;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (state == null) throw new IllegalStateException("Updater has not been given its state view");
        if (gradient.length() != layout.length()) {
            throw new IllegalStateException(config.name() + " of layer '" + layout.layerName() + "' got a gradient "
                    + "of " + gradient.length() + " elements for a layout of " + layout.length() + " " + layout.params()
                    + ". Call Optimizers.prepare(conf) again on the final configuration.");
        }
        if (gradient != lastGradient) { // DL4J hands the same view every iteration: reshape it once
            flat = gradient.reshape(gradient.length());
            lastGradient = gradient;
        }
        skipped = step.begin(flat, iteration, epoch);
        if (skipped || (gate != null && !gate.active(iteration))) {
            flat.assign(0); // skipped, or not updated this iteration (its gradient may not even exist)
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
                // a gated optimizer's fallback corrects its bias by the updates it received (t), else by the iteration
                int step = stateLayout.spec(i).has("t") ? (int) ExactCounter.increment(state(i, "t")) - 1 : iteration;
                AdamWKernel.apply(g, state(i, "M"), state(i, "V"), fallbackLr, config.fallback(), step);
            }
        }
    }

    /** Value {@code k} of this block's cross-layer rule for the current iteration (written by the leader). */
    protected double crossLayerValue(int k) {
        return step.ruleValue(k);
    }

    /** Parameter {@code i}'s segment of the block's flat gradient (a view). */
    protected INDArray segment(INDArray flat, int i) {
        return segments.get(
                i,
                flat,
                f -> f.get(NDArrayIndex.interval(stateLayout.segmentOffset(i), stateLayout.segmentOffset(i + 1))));
    }

    /** Parameter {@code p}'s gradient segment {@code g} as its contiguous 'c' matrix ({@link ParamLayout#cView}). */
    protected INDArray matrixView(int index, ParamLayout p, INDArray g) {
        return matrixViews.get(index, g, p::cView);
    }

    /**
     * Views of parameter {@code index}'s matrix state {@code state} (its own slice, or the part a wrapper such as LANTON
     * hands over), made by {@code make} once per state array.
     */
    protected <V> V stateViews(int index, INDArray state, java.util.function.Function<INDArray, V> make) {
        return stateViews.get(index, state, make);
    }

    /** Where parameter {@code i}'s segment starts in the block's flat gradient. */
    protected long segmentStart(int i) {
        return stateLayout.segmentOffset(i);
    }

    /**
     * A flat work buffer shaped like {@code like} for parameter {@code index}, one per {@code slot}: allocated once,
     * outside any DL4J workspace, and reused at every step.
     */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
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

    @SuppressWarnings("unchecked")
    static java.util.Map<String, INDArray>[] newViewCache(int n) {
        java.util.Map<String, INDArray>[] c = new java.util.Map[n];
        for (int i = 0; i < n; i++) c[i] = new java.util.HashMap<>();
        return c;
    }

    /** The named piece of parameter {@code i}'s state (see {@link StateSpec}). */
    protected INDArray state(int i, String name) {
        return named[i].computeIfAbsent(name, n -> stateLayout.spec(i).view(stateSlices[i], n));
    }

    /**
     * Applies this updater's matrix rule to one parameter with an explicit state slice, so that a wrapper optimizer
     * (LANTON) can reuse Muon's or FISMO's rule on part of its own state.
     */
    public void matrixStep(int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        applyMatrixRule(index, p, g, state, lr, iteration, epoch);
    }

    /**
     * Replaces {@code g} (parameter {@code p}'s flat gradient segment) by its update, using {@code state} (the slice
     * declared by {@code config.matrixState(p)}).
     */
    protected abstract void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch);
}
