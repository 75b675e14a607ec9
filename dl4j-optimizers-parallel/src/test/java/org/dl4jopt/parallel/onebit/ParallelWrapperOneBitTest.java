package org.dl4jopt.parallel.onebit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.dl4jopt.NoisyRuns;
import org.dl4jopt.Optimizers;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** A real 2-worker ParallelWrapper run through TrainingMode.CUSTOM (spec A.13 test 5). */
class ParallelWrapperOneBitTest {

    /** Copies of every worker's parameters after each iteration, per worker model. */
    static final class ParamsRecorder extends BaseTrainingListener {
        final List<Map<Model, List<INDArray>>> fits = new ArrayList<>();

        synchronized void nextFit() {
            fits.add(new IdentityHashMap<>());
        }

        @Override
        public synchronized void iterationDone(Model model, int iteration, int epoch) {
            fits.get(fits.size() - 1)
                    .computeIfAbsent(model, k -> new ArrayList<>())
                    .add(model.params().dup());
        }
    }

    @Test
    @Timeout(300)
    void twoWorkersTrainWithIdenticalParams() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(TestModels.mlp(
                OneBitAdam.builder()
                        .biasCorrection(false)
                        .momentumMaskThreshold(0)
                        .learningRate(5e-3)
                        .freezeStep(6)
                        .weightDecay(1e-3)
                        .build(),
                5,
                DataType.FLOAT,
                16,
                24,
                3)));
        net.init();
        DataSet all = SyntheticData.vectors(640, 16, 3, 9);
        double before = net.score(all);
        OneBitAllReduceAccumulator acc = new OneBitAllReduceAccumulator(2, ExchangedQuantity.MOMENTUM, 120_000);
        ParallelWrapper pw = acc.wrap(net, 2);
        ParamsRecorder rec = new ParamsRecorder();
        pw.setListeners(NoisyRuns.with(List.of(rec))); // + gradient noise in a measuring run
        for (int epoch = 0; epoch < 3; epoch++) {
            rec.nextFit();
            pw.fit(SyntheticData.iterator(all, 32)); // 20 batches: 10 rounds
        }
        double after = net.score(all);
        NoisyRuns.record("1-bit adam mlp", after / before);
        // < 0.5x: 3 runs with 1e-6 relative gradient noise (NoisyRuns) ended at 5.3e-4-6.1e-4x
        assertTrue(after < 0.5 * before, "loss " + before + " -> " + after);
        assertEquals(
                30, acc.fullPrecisionSteps() + acc.compressedSteps(), "3 fits x 10 rounds (20 batches, 2 workers)");
        assertTrue(acc.compressedSteps() == 24 && acc.fullPrecisionSteps() == 6, acc.compressedSteps() + " compressed");
        // every fit: worker 0 (the original model) and a replica, params identical after every iteration
        int compared = 0;
        for (Map<Model, List<INDArray>> fit : rec.fits) {
            assertEquals(2, fit.size(), "two workers per fit");
            List<List<INDArray>> w = new ArrayList<>(fit.values());
            assertEquals(10, w.get(0).size());
            for (int i = 0; i < 10; i++) {
                assertEquals(w.get(0).get(i), w.get(1).get(i), "iteration " + i + ": workers' params differ");
                compared++;
            }
        }
        assertEquals(30, compared);
        long n = net.numParams();
        long padded = org.dl4jopt.onebit.TwoStageAllReduce.paddedLength(n, 2);
        for (int r = 0;
                r < 2;
                r++) { // spec A.9: 2 (W-1) (N'/(8W) + 4) per compressed step, 2 (W-1)/W N 4 per fp32 step
            assertEquals(24 * 2 * (padded / 16 + 4), acc.exchange().compressedBytes(r), "compressed bytes " + r);
            assertEquals(6 * n * 4, acc.exchange().fullPrecisionBytes(r), "fp32 bytes " + r);
        }
    }
    /**
     * OneBitAdam.momentumMaskThreshold under the exchange: inputs 0..3 always 0, so rows 0..3 of layer 0's W have
     * v = 0 at the freeze; they are masked (m = 0): they never move and their worker errors stay 0 on both workers.
     */
    @Test
    @Timeout(300)
    void maskedEntriesStayPutUnderTheExchange() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(TestModels.mlp(
                OneBitAdam.builder()
                        .biasCorrection(false)
                        .learningRate(5e-3)
                        .freezeStep(4)
                        .momentumMaskThreshold(1e-3)
                        .build(),
                5,
                DataType.FLOAT,
                16,
                24,
                3)));
        net.init();
        DataSet all = SyntheticData.vectors(640, 16, 3, 9);
        all.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).assign(0);
        INDArray deadBefore = net.getParam("0_W")
                .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                .dup();
        INDArray liveBefore = net.getParam("0_W")
                .get(NDArrayIndex.interval(4, 16), NDArrayIndex.all())
                .dup();
        OneBitAllReduceAccumulator acc = new OneBitAllReduceAccumulator(2, ExchangedQuantity.MOMENTUM, 120_000);
        acc.wrap(net, 2).fit(SyntheticData.iterator(all, 32)); // 10 rounds, 6 compressed
        assertEquals(6, acc.compressedSteps());
        assertTrue(acc.maskedEntries() >= 4 * 24, acc.maskedEntries() + " masked");
        assertTrue(acc.maskedEntries() < net.numParams() / 4, acc.maskedEntries() + " masked: tau 1e-3 masks ~zeros");
        assertEquals(deadBefore, net.getParam("0_W").get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()));
        assertTrue(!liveBefore.equals(net.getParam("0_W").get(NDArrayIndex.interval(4, 16), NDArrayIndex.all())));
        for (int r = 0; r < 2; r++) { // layer 0 W first in the unit, 'f' order
            for (int j = 0; j < 24; j++) {
                for (int i = 0; i < 4; i++) {
                    assertEquals(
                            0.0,
                            Math.abs(acc.exchange().workerError(r).getDouble(i + 16L * j)),
                            "worker " + r + " error at (" + i + "," + j + ")");
                }
            }
        }
    }
}
