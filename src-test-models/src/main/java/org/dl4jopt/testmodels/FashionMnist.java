package org.dl4jopt.testmodels;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fashion-MNIST loaded from the original gzipped IDX files in a local directory (never downloads).
 *
 * <p>Default directory: {@value #DEFAULT_DIR}, overridable with the system property {@value #DIR_PROPERTY}.
 * Features are float32 in [0, 1] with shape [N, 1, 28, 28] (NCHW, for {@code InputType.convolutional(28, 28, 1)});
 * labels are one-hot float32 [N, 10]. Both splits are held as whole arrays and batches are gathered from them.
 */
public final class FashionMnist {
    /** Directory used when {@value #DIR_PROPERTY} is not set. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    /** System property overriding the data directory. */
    public static final String DIR_PROPERTY = "fashionmnist.dir";

    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    /** Class names, index = label. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static final int NUM_CLASSES = 10;
    public static final int HEIGHT = 28;
    public static final int WIDTH = 28;

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;

    private final INDArray trainFeatures;
    private final INDArray trainLabels;
    private final INDArray testFeatures;
    private final INDArray testLabels;

    private FashionMnist(INDArray trainFeatures, INDArray trainLabels, INDArray testFeatures, INDArray testLabels) {
        this.trainFeatures = trainFeatures;
        this.trainLabels = trainLabels;
        this.testFeatures = testFeatures;
        this.testLabels = testLabels;
    }

    /** The data directory: system property {@value #DIR_PROPERTY} if set, else {@value #DEFAULT_DIR}. */
    public static Path defaultDir() {
        return Paths.get(System.getProperty(DIR_PROPERTY, DEFAULT_DIR));
    }

    /** True if all four IDX files exist in {@link #defaultDir()}. */
    public static boolean isAvailable() {
        Path dir = defaultDir();
        for (String f : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
            if (!Files.isRegularFile(dir.resolve(f))) return false;
        }
        return true;
    }

    /** Loads from {@link #defaultDir()}; see {@link #load(Path, int, int)}. */
    public static FashionMnist load(int trainLimit, int testLimit) {
        return load(defaultDir(), trainLimit, testLimit);
    }

    /**
     * Loads both splits from {@code dir}.
     *
     * @param trainLimit keep only the first {@code trainLimit} training examples (&lt;= 0: all 60000)
     * @param testLimit  keep only the first {@code testLimit} test examples (&lt;= 0: all 10000)
     * @throws IllegalStateException if a file is missing or malformed
     * @throws UncheckedIOException  on read errors
     */
    public static FashionMnist load(Path dir, int trainLimit, int testLimit) {
        INDArray[] train = readSplit(dir, TRAIN_IMAGES, TRAIN_LABELS, trainLimit);
        INDArray[] test = readSplit(dir, TEST_IMAGES, TEST_LABELS, testLimit);
        return new FashionMnist(train[0], train[1], test[0], test[1]);
    }

    /**
     * Iterator over the training split, shuffled with a new permutation every epoch derived from
     * {@code shuffleSeed} and the epoch number (so runs are reproducible). Supports {@code reset()}.
     */
    public DataSetIterator trainIterator(int batch, long shuffleSeed) {
        return new InMemoryDataSetIterator(trainFeatures, trainLabels, batch, true, shuffleSeed, CLASS_NAMES);
    }

    /** Iterator over the test split in file order. Supports {@code reset()}. */
    public DataSetIterator testIterator(int batch) {
        return new InMemoryDataSetIterator(testFeatures, testLabels, batch, false, 0L, CLASS_NAMES);
    }

    /**
     * Iterator over the first {@code limit} training examples in file order (all of them if {@code limit} is
     * &lt;= 0 or larger than the split): a fixed set to measure training accuracy on. Supports {@code reset()}.
     */
    public DataSetIterator trainSubsetIterator(int batch, int limit) {
        long n = limit <= 0 ? trainFeatures.size(0) : Math.min(limit, trainFeatures.size(0));
        return new InMemoryDataSetIterator(
                trainFeatures.get(NDArrayIndex.interval(0, n)),
                trainLabels.get(NDArrayIndex.interval(0, n)),
                batch,
                false,
                0L,
                CLASS_NAMES);
    }

    public int trainSize() {
        return (int) trainFeatures.size(0);
    }

    public int testSize() {
        return (int) testFeatures.size(0);
    }

    /** The whole training split as one DataSet (shared arrays: do not modify). */
    public DataSet trainData() {
        return new DataSet(trainFeatures, trainLabels);
    }

    /** The whole test split as one DataSet (shared arrays: do not modify). */
    public DataSet testData() {
        return new DataSet(testFeatures, testLabels);
    }

    @SuppressWarnings("try") // the workspace scope is used for its extent only, never referenced (ND4J idiom)
    private static INDArray[] readSplit(Path dir, String imagesFile, String labelsFile, int limit) {
        byte[] px = readIdx(dir, imagesFile, IMAGES_MAGIC, limit);
        byte[] lb = readIdx(dir, labelsFile, LABELS_MAGIC, limit);
        int n = lb.length;
        if (px.length != (long) n * HEIGHT * WIDTH) {
            throw new IllegalStateException("Fashion-MNIST: " + imagesFile + " and " + labelsFile
                    + " disagree on the number of examples in " + dir);
        }

        float[] x = new float[px.length];
        for (int i = 0; i < px.length; i++) x[i] = (px[i] & 0xFF) / 255f;
        float[] y = new float[n * NUM_CLASSES];
        for (int i = 0; i < n; i++) {
            int c = lb[i] & 0xFF;
            if (c >= NUM_CLASSES) {
                throw new IllegalStateException(
                        "Fashion-MNIST: label " + c + " out of range in " + dir.resolve(labelsFile));
            }
            y[i * NUM_CLASSES + c] = 1f;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new INDArray[] {
                Nd4j.create(x, new long[] {n, 1, HEIGHT, WIDTH}, DataType.FLOAT),
                Nd4j.create(y, new long[] {n, NUM_CLASSES}, DataType.FLOAT)
            };
        }
    }

    /** Validates the IDX header and returns the raw unsigned bytes of the first {@code limit} items. */
    private static byte[] readIdx(Path dir, String name, int expectedMagic, int limit) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST file not found: " + file
                    + ". Install the dataset with `sudo apt-get install dataset-fashion-mnist`, or point -D"
                    + DIR_PROPERTY + "=<dir> at a directory containing " + TRAIN_IMAGES + ", " + TRAIN_LABELS
                    + ", " + TEST_IMAGES + " and " + TEST_LABELS + ".");
        }
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in =
                        new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16))) {
            int magic = in.readInt();
            if (magic != expectedMagic) {
                throw new IllegalStateException("Fashion-MNIST: bad IDX magic number " + magic + " in " + file
                        + " (expected " + expectedMagic + ")");
            }
            int count = in.readInt();
            int itemSize = 1;
            if (expectedMagic == IMAGES_MAGIC) {
                int rows = in.readInt();
                int cols = in.readInt();
                if (rows != HEIGHT || cols != WIDTH) {
                    throw new IllegalStateException(
                            "Fashion-MNIST: expected 28x28 images in " + file + ", got " + rows + "x" + cols);
                }
                itemSize = rows * cols;
            }
            int n = limit > 0 ? Math.min(limit, count) : count;
            byte[] data = new byte[Math.multiplyExact(n, itemSize)];
            in.readFully(data);
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("Fashion-MNIST: failed to read " + file, e);
        }
    }
}
