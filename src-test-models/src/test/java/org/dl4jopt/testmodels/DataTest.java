package org.dl4jopt.testmodels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class DataTest {

    @Test
    void syntheticShapesAndDeterminism() {
        DataSet a = SyntheticData.images(20, 7), b = SyntheticData.images(20, 7);
        assertArrayEquals(new long[] {20, 1, 28, 28}, a.getFeatures().shape());
        assertArrayEquals(new long[] {20, 10}, a.getLabels().shape());
        assertEquals(DataType.FLOAT, a.getFeatures().dataType());
        assertEquals(a.getFeatures(), b.getFeatures());
        assertNotEquals(a.getFeatures(), SyntheticData.images(20, 8).getFeatures());
        assertEquals(20.0, a.getLabels().sumNumber().doubleValue(), 0.0);

        DataSet s = SyntheticData.sequences(5, 6, 9, 3, 1);
        assertArrayEquals(new long[] {5, 6, 9}, s.getFeatures().shape());
        assertArrayEquals(new long[] {5, 3}, s.getLabels().shape());
        // exactly one marker per sequence on channel 0
        INDArray marker = s.getFeatures()
                .get(
                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertArrayEquals(
                new double[] {1, 1, 1, 1, 1},
                marker.neq(0).castTo(DataType.DOUBLE).sum(1).toDoubleVector(),
                0.0);
        assertEquals(5 * 3.0, marker.sumNumber().doubleValue(), 1e-6);

        DataSet v = SyntheticData.vectors(7, 5, 3, 1);
        assertArrayEquals(new long[] {7, 5}, v.getFeatures().shape());
        assertEquals(v.getFeatures(), SyntheticData.vectors(7, 5, 3, 1).getFeatures());
    }

    @Test
    void syntheticIteratorIsOrderedAndResettable() {
        DataSet d = SyntheticData.vectors(10, 3, 2, 1);
        DataSetIterator it = SyntheticData.iterator(d, 4);
        assertTrue(it.resetSupported());
        assertEquals(3, it.inputColumns());
        assertEquals(2, it.totalOutcomes());
        for (int pass = 0; pass < 2; pass++) {
            DataSet b0 = it.next(), b1 = it.next(), b2 = it.next();
            assertFalse(it.hasNext());
            assertEquals(2, b2.numExamples());
            assertEquals(d.getFeatures().getRow(0), b0.getFeatures().getRow(0));
            assertEquals(d.getFeatures().getRow(9), b2.getFeatures().getRow(1));
            it.reset();
        }
    }

    @Test
    void shuffledIteratorIsDeterministicPerEpochAndCoversAllExamples() {
        DataSet d = SyntheticData.images(50, 3);
        // tag each example with its index in pixel (0,0) so we can track it
        for (int i = 0; i < 50; i++) d.getFeatures().putScalar(new long[] {i, 0, 0, 0}, i);
        INDArray f = d.getFeatures(), l = d.getLabels();
        DataSetIterator a = new InMemoryDataSetIterator(f, l, 16, true, 99, null);
        DataSetIterator b = new InMemoryDataSetIterator(f, l, 16, true, 99, null);
        a.reset(); // reset before anything is drawn must not advance the epoch
        int[] epoch0 = order(a);
        assertArrayEquals(epoch0, order(b));
        a.reset();
        b.reset();
        int[] epoch1 = order(a);
        assertArrayEquals(epoch1, order(b));
        assertFalse(java.util.Arrays.equals(epoch0, epoch1), "epochs should be shuffled differently");
        assertArrayEquals(
                java.util.stream.IntStream.range(0, 50).toArray(),
                java.util.Arrays.stream(epoch1).sorted().toArray());
        assertFalse(java.util.Arrays.equals(
                epoch0, java.util.stream.IntStream.range(0, 50).toArray()));
    }

    private static int[] order(DataSetIterator it) {
        int[] out = new int[50];
        int k = 0;
        while (it.hasNext()) {
            DataSet b = it.next();
            assertArrayEquals(
                    new long[] {b.numExamples(), 1, 28, 28}, b.getFeatures().shape());
            for (int i = 0; i < b.numExamples(); i++)
                out[k++] = (int) b.getFeatures().getDouble(i, 0, 0, 0);
        }
        assertEquals(50, k);
        return out;
    }

    @Test
    void fashionMnistMissingFilesGiveClearMessage(@TempDir Path empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FashionMnist.load(empty, 10, 10));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void fashionMnistLoadsRealFiles() {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST not installed at " + FashionMnist.defaultDir());
        FashionMnist fm = FashionMnist.load(FashionMnist.defaultDir(), 2000, 0);
        assertEquals(2000, fm.trainSize());
        assertEquals(10000, fm.testSize());

        DataSet test = fm.testData();
        assertArrayEquals(new long[] {10000, 1, 28, 28}, test.getFeatures().shape());
        assertArrayEquals(new long[] {10000, 10}, test.getLabels().shape());
        assertEquals(DataType.FLOAT, test.getFeatures().dataType());
        assertEquals(0.0, test.getFeatures().minNumber().doubleValue(), 0.0);
        assertEquals(1.0, test.getFeatures().maxNumber().doubleValue(), 0.0);
        double mean = test.getFeatures().meanNumber().doubleValue();
        assertTrue(mean > 0.2 && mean < 0.4, "mean pixel " + mean);
        // one-hot, and the official test split has exactly 1000 examples per class
        assertEquals(10000.0, test.getLabels().sumNumber().doubleValue(), 0.0);
        assertArrayEquals(
                new double[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000},
                test.getLabels().sum(0).toDoubleVector(),
                0.0);

        DataSetIterator train = fm.trainIterator(128, 1);
        assertEquals(784, train.inputColumns());
        assertEquals(10, train.totalOutcomes());
        assertEquals(FashionMnist.CLASS_NAMES, train.getLabels());
        int n = 0, batches = 0;
        while (train.hasNext()) {
            DataSet b = train.next();
            assertEquals(1, b.getFeatures().size(1));
            n += b.numExamples();
            batches++;
        }
        assertEquals(2000, n);
        assertEquals(16, batches);
        DataSetIterator testIt = fm.testIterator(1000);
        assertEquals(
                test.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1000)),
                testIt.next().getFeatures());

        // the fixed training subset: the first K training examples in file order, all of them when K <= 0
        DataSetIterator subset = fm.trainSubsetIterator(300, 500);
        DataSet first = subset.next();
        assertEquals(
                fm.trainData().getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 300)),
                first.getFeatures());
        assertEquals(200, subset.next().numExamples());
        assertFalse(subset.hasNext());
        int all = 0;
        DataSetIterator whole = fm.trainSubsetIterator(1000, 0);
        while (whole.hasNext()) {
            all += whole.next().numExamples();
        }
        assertEquals(2000, all);
    }
}
