package org.dl4jopt.testmodels;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batch iterator over a features/labels pair held entirely in memory.
 *
 * <p>Arrays of any rank are supported (the first dimension is the example dimension). Each batch is a fresh
 * copy gathered with {@link Nd4j#pullRows} (one native call per array), so a pre-processor can never modify the
 * underlying data. With shuffling, epoch {@code k} uses a permutation derived only from {@code (seed, k)}; the
 * epoch counter advances on {@link #reset()} if at least one batch was drawn since the previous reset, so
 * {@code net.fit(iter, nEpochs)} and manual {@code while(hasNext)/reset()} loops give the same batch order.
 * The last batch may be smaller than {@code batch}. Mask arrays are not supported.
 */
public final class InMemoryDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final INDArray features2d; // [N, prod(exampleShape)], c order
    private final INDArray labels2d;
    private final long[] featureShape; // full shape, dim 0 = N
    private final long[] labelShape;
    private final int numExamples;
    private final int batch;
    private final boolean shuffle;
    private final long seed;
    private final List<String> labelNames;

    private int[] order;
    private int cursor;
    private int epoch;
    private boolean consumed;
    private DataSetPreProcessor preProcessor;

    /**
     * @param features   features, first dimension = examples (not copied if already c-ordered and contiguous)
     * @param labels     labels, same number of examples
     * @param batch      mini-batch size (&gt; 0)
     * @param shuffle    whether to visit examples in a seeded random order, re-drawn every epoch
     * @param seed       shuffle seed (ignored without shuffling)
     * @param labelNames class names returned by {@link #getLabels()}, or null (an empty list is treated as null,
     *                   since DL4J's {@code evaluate(iterator)} would otherwise build a 0-class Evaluation)
     */
    public InMemoryDataSetIterator(
            INDArray features, INDArray labels, int batch, boolean shuffle, long seed, List<String> labelNames) {
        if (batch <= 0) throw new IllegalArgumentException("batch must be > 0, got " + batch);
        if (features.size(0) != labels.size(0)) {
            throw new IllegalArgumentException("features and labels disagree on number of examples: " + features.size(0)
                    + " vs " + labels.size(0));
        }
        if (features.size(0) > Integer.MAX_VALUE) throw new IllegalArgumentException("too many examples");
        this.numExamples = (int) features.size(0);
        this.featureShape = features.shape();
        this.labelShape = labels.shape();
        this.features2d = flatten(features);
        this.labels2d = flatten(labels);
        this.batch = batch;
        this.shuffle = shuffle;
        this.seed = seed;
        this.labelNames = labelNames == null || labelNames.isEmpty() ? null : List.copyOf(labelNames);
        this.order = permutation(0);
    }

    /** Non-shuffling iterator over {@code data} (label names taken from it, if any); masks are not supported. */
    public InMemoryDataSetIterator(DataSet data, int batch) {
        this(checkNoMasks(data).getFeatures(), data.getLabels(), batch, false, 0L, data.getLabelNamesList());
    }

    private static DataSet checkNoMasks(DataSet data) {
        if (data.hasMaskArrays()) throw new IllegalArgumentException("mask arrays are not supported");
        return data;
    }

    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    private static INDArray flatten(INDArray arr) {
        long n = arr.size(0);
        long perExample = n == 0 ? 0 : arr.length() / n;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray c = (arr.ordering() == 'c' && !arr.isView()) ? arr : arr.dup('c');
            return c.reshape('c', n, perExample);
        }
    }

    private int[] permutation(int epochIndex) {
        int[] idx = new int[numExamples];
        for (int i = 0; i < numExamples; i++) idx[i] = i;
        if (shuffle) {
            Random r = new Random(seed ^ (0x9E3779B97F4A7C15L * (epochIndex + 1L)));
            for (int i = numExamples - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    private static INDArray gather(INDArray flat, long[] fullShape, int[] rows) {
        INDArray out = Nd4j.pullRows(flat, 1, rows); // tensor along dimension 1 == rows of a matrix
        long[] shape = fullShape.clone();
        shape[0] = rows.length;
        return out.reshape('c', shape);
    }

    @Override
    public boolean hasNext() {
        return cursor < numExamples;
    }

    @Override
    public DataSet next() {
        return next(batch);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) throw new NoSuchElementException("no more batches; call reset()");
        if (num <= 0) throw new IllegalArgumentException("num must be > 0");
        int end = Math.min(numExamples, cursor + num);
        int[] rows = Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        consumed = true;
        DataSet ds = new DataSet(gather(features2d, featureShape, rows), gather(labels2d, labelShape, rows));
        if (labelNames != null) ds.setLabelNames(labelNames);
        if (preProcessor != null) preProcessor.preProcess(ds);
        return ds;
    }

    /** Number of examples in one full pass. */
    public int numExamples() {
        return numExamples;
    }

    /** Number of features per example (e.g. 784 for 1x28x28 images). */
    @Override
    public int inputColumns() {
        return (int) features2d.size(1);
    }

    /** Number of label columns per example (e.g. 10 for one-hot Fashion-MNIST labels). */
    @Override
    public int totalOutcomes() {
        return (int) labelShape[1];
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** Data is already in memory, so DL4J's background prefetch would only add a thread. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        if (consumed) {
            epoch++;
            if (shuffle) order = permutation(epoch);
        }
        cursor = 0;
        consumed = false;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labelNames;
    }
}
