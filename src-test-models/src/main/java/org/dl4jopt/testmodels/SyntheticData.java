package org.dl4jopt.testmodels;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small generated classification datasets for fast tests (float32, one-hot labels, no files).
 *
 * <p>Each generator is deterministic given its arguments. The class-defining patterns depend only on the
 * shape arguments, never on {@code seed}; the seed only draws labels and noise, so a training set and a test
 * set generated with different seeds describe the same task.
 */
public final class SyntheticData {
    private SyntheticData() {}

    /**
     * Images [n, 1, 28, 28] of 10 classes: class {@code c} is a bright bar through the (randomly shifted) image
     * centre at angle {@code c * 18} degrees, plus Gaussian noise, clipped to [0, 1]. Labels are one-hot [n, 10].
     */
    public static DataSet images(int n, long seed) {
        final int classes = 10, h = 28, w = 28;
        Random r = new Random(seed);
        float[] x = new float[n * h * w];
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            y[i * classes + c] = 1f;
            double theta = Math.PI * c / classes;
            double dx = Math.cos(theta), dy = Math.sin(theta);
            double cx = 13.5 + r.nextInt(5) - 2, cy = 13.5 + r.nextInt(5) - 2;
            int base = i * h * w;
            for (int py = 0; py < h; py++) {
                for (int px = 0; px < w; px++) {
                    double rx = px - cx, ry = py - cy;
                    double dist = Math.abs(rx * dy - ry * dx); // distance to the bar's axis
                    double along = Math.abs(rx * dx + ry * dy); // position along the bar
                    double v = along <= 10 ? Math.exp(-dist * dist / (2 * 1.2 * 1.2)) : 0;
                    v += 0.15 * r.nextGaussian();
                    x[base + py * w + px] = (float) Math.min(1, Math.max(0, v));
                }
            }
        }
        return dataSet(x, new long[] {n, 1, h, w}, y, new long[] {n, classes});
    }

    /**
     * Sequences in DL4J's RNN format NCW: features [n, nIn, length], one-hot labels [n, nClasses].
     *
     * <p>Channel 0 is a marker: 3 at exactly one random time step, 0 elsewhere. Channels 1..nIn-1 carry at every
     * step the (fixed, random) prototype vector of some class, plus noise. The label is the class whose
     * prototype sits at the <em>marked</em> step; the other steps carry prototypes of random classes as
     * distractors. Solving the task therefore requires relating the marker to the content at the same step,
     * which self-attention can do but time-averaging the raw input cannot (with nIn=8, length=10, 4 classes,
     * {@link TestModels#attention} reaches ~99% test accuracy after 400 Adam(1e-3) steps of batch 32, while
     * average-pool → dense → softmax plateaus near 42%). Requires {@code nIn >= 2}.
     */
    public static DataSet sequences(int n, int nIn, int length, int nClasses, long seed) {
        if (nIn < 2) throw new IllegalArgumentException("nIn must be >= 2 (marker + content), got " + nIn);
        if (length < 1 || nClasses < 2) throw new IllegalArgumentException("need length >= 1 and nClasses >= 2");
        int dim = nIn - 1;
        Random pr = new Random(0x5EED_0001L + 1_000_003L * nIn + nClasses);
        double[][] proto = new double[nClasses][dim];
        for (double[] p : proto) for (int j = 0; j < dim; j++) p[j] = pr.nextGaussian();

        Random r = new Random(seed);
        float[] x = new float[n * nIn * length];
        float[] y = new float[n * nClasses];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(nClasses);
            int marked = r.nextInt(length);
            y[i * nClasses + c] = 1f;
            int base = i * nIn * length;
            for (int t = 0; t < length; t++) {
                int k = t == marked ? c : r.nextInt(nClasses);
                x[base + t] = t == marked ? 3f : 0f; // channel 0
                for (int j = 0; j < dim; j++) {
                    x[base + (j + 1) * length + t] = (float) (proto[k][j] + 0.1 * r.nextGaussian());
                }
            }
        }
        return dataSet(x, new long[] {n, nIn, length}, y, new long[] {n, nClasses});
    }

    /**
     * Feature vectors [n, nIn] drawn from {@code nClasses} Gaussian blobs (unit noise around fixed random centres
     * of scale 1.5 per dimension), one-hot labels [n, nClasses]; suitable for an MLP.
     */
    public static DataSet vectors(int n, int nIn, int nClasses, long seed) {
        Random pr = new Random(0x5EED_0002L + 1_000_003L * nIn + nClasses);
        double[][] centre = new double[nClasses][nIn];
        for (double[] m : centre) for (int j = 0; j < nIn; j++) m[j] = 1.5 * pr.nextGaussian();

        Random r = new Random(seed);
        float[] x = new float[n * nIn];
        float[] y = new float[n * nClasses];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(nClasses);
            y[i * nClasses + c] = 1f;
            for (int j = 0; j < nIn; j++) x[i * nIn + j] = (float) (centre[c][j] + r.nextGaussian());
        }
        return dataSet(x, new long[] {n, nIn}, y, new long[] {n, nClasses});
    }

    /** Non-shuffling, resettable mini-batch iterator over {@code ds} (last batch may be smaller). */
    public static DataSetIterator iterator(DataSet ds, int batch) {
        return new InMemoryDataSetIterator(ds, batch);
    }

    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    private static DataSet dataSet(float[] x, long[] xShape, float[] y, long[] yShape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new DataSet(Nd4j.create(x, xShape, DataType.FLOAT), Nd4j.create(y, yShape, DataType.FLOAT));
        }
    }
}
