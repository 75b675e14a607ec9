package org.dl4jopt.parallel.onebit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.dl4jopt.onebit.TwoStageAllReduce;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The exchange driven directly from worker threads with fixed vectors (spec A.4, A.9, A.13 tests 1 and 5). */
@Timeout(120)
class OneBitExchangeTest {

    /** Runs {@code body(rank)} on {@code w} threads; returns each thread's exception (or null). */
    static List<Throwable> onThreads(int w, IntConsumer body) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(w);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int r = 0; r < w; r++) {
                int rank = r;
                fs.add(ex.submit(() -> body.accept(rank)));
            }
            List<Throwable> errors = new ArrayList<>();
            for (Future<?> f : fs) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                    errors.add(null);
                } catch (java.util.concurrent.ExecutionException e) {
                    errors.add(e.getCause());
                }
            }
            return errors;
        } finally {
            ex.shutdownNow();
        }
    }

    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(expected.length(), actual.length(), what);
        double d = expected.castTo(DataType.DOUBLE)
                .sub(actual.castTo(DataType.DOUBLE))
                .amaxNumber()
                .doubleValue();
        assertTrue(d <= tol, what + ": max difference " + d);
    }

    @Test
    void workedExampleThroughPackedMessages() throws Exception {
        OneBitExchange x = new OneBitExchange(2, 30_000);
        INDArray[] m = {Nd4j.createFromArray(0.5, -1, 0, 2), Nd4j.createFromArray(1, 1, -0.5, -0.5)};
        INDArray[] out = {Nd4j.create(DataType.DOUBLE, 4), Nd4j.create(DataType.DOUBLE, 4)};
        List<Throwable> errs = onThreads(2, r -> x.compressedAllReduce(r, m[r], out[r]));
        for (Throwable t : errs) assertNull(t);
        for (INDArray o : out) {
            assertClose(Nd4j.createFromArray(0.386519, -0.386519, 0.386519, 0.386519), o, 2e-6, "m̄");
        }
        assertEquals(out[0], out[1], "bit-identical on both workers");
        assertClose(
                Nd4j.createFromArray(
                        -0.072822, -0.427178, -0.572822, 1.427178, -0.572822, -0.572822, -0.572822, -0.572822,
                        -0.572822, -0.572822, -0.572822, -0.572822, -0.572822, -0.572822, -0.572822, -0.572822),
                x.workerError(0),
                2e-6,
                "workerErr_0");
        assertClose(
                Nd4j.createFromArray(0.097534, 0.297751, -0.297751, -0.297751, 0.097534, 0.097534, 0.097534, 0.097534),
                x.serverError(0),
                2e-6,
                "serverErr_0");
        // A.9: per worker per step 2 (W-1) (N'/(8W) + 4) bytes: N' = 16, W = 2 -> 2 * (1 + 4) = 10
        assertEquals(10, x.compressedBytes(0));
        assertEquals(10, x.compressedBytes(1));
    }

    /** Several steps of random vectors: result and both workers' error buffers equal the reference arithmetic. */
    @Test
    void matchesTheFullPrecisionReferenceOverSeveralSteps() throws Exception {
        int w = 2;
        long n = 37;
        OneBitExchange x = new OneBitExchange(w, 30_000);
        long padded = TwoStageAllReduce.paddedLength(n, w);
        INDArray[] refWorkerErr = {Nd4j.zeros(DataType.DOUBLE, padded), Nd4j.zeros(DataType.DOUBLE, padded)};
        INDArray[] refServerErr = {Nd4j.zeros(DataType.DOUBLE, padded / w), Nd4j.zeros(DataType.DOUBLE, padded / w)};
        Nd4j.getRandom().setSeed(7);
        for (int step = 0; step < 4; step++) {
            INDArray[] m = {
                Nd4j.randn(DataType.DOUBLE, n), Nd4j.randn(DataType.DOUBLE, n).muli(3)
            };
            INDArray[] ref = {m[0].dup(), m[1].dup()};
            TwoStageAllReduce.reduce(ref, refWorkerErr, refServerErr);
            INDArray[] out = {Nd4j.create(DataType.DOUBLE, n), Nd4j.create(DataType.DOUBLE, n)};
            for (Throwable t : onThreads(w, r -> x.compressedAllReduce(r, m[r], out[r]))) assertNull(t);
            for (int r = 0; r < w; r++) {
                assertClose(ref[r], out[r], 1e-6, "step " + step + " result of worker " + r);
                assertClose(refWorkerErr[r], x.workerError(r), 1e-6, "step " + step + " workerErr " + r);
                assertClose(refServerErr[r], x.serverError(r), 1e-6, "step " + step + " serverErr " + r);
            }
            assertEquals(out[0], out[1]);
        }
        long perStep = 2L * (w - 1) * (padded / (8L * w) + 4); // spec A.9 with fp32 scales
        assertEquals(4 * perStep, x.compressedBytes(0));
        assertEquals(4 * perStep, x.compressedBytes(1));
    }

    /**
     * Momentum mask (OneBitAdam.momentumMaskThreshold): masked entries come out 0 and their worker and server errors
     * stay exactly 0 (a 1-bit code cannot be 0: unmasked, a zero input would leave error -s there); the rest equals
     * the reference arithmetic run on the masked inputs with the errors masked after every step.
     */
    @Test
    void maskedEntriesStayZeroAndNeverEnterTheErrors() throws Exception {
        int w = 2;
        long n = 37; // N' = 48, chunks [0, 24) and [24, 48)
        long padded = TwoStageAllReduce.paddedLength(n, w);
        long chunk = padded / w;
        int[] masked = {0, 3, 23, 24, 30, 36};
        INDArray keep = Nd4j.ones(DataType.DOUBLE, n);
        for (int i : masked) keep.putScalar(i, 0);
        OneBitExchange x = new OneBitExchange(w, 30_000);
        INDArray[] refWorkerErr = {Nd4j.zeros(DataType.DOUBLE, padded), Nd4j.zeros(DataType.DOUBLE, padded)};
        INDArray[] refServerErr = {Nd4j.zeros(DataType.DOUBLE, chunk), Nd4j.zeros(DataType.DOUBLE, chunk)};
        INDArray paddedKeep = Nd4j.ones(DataType.DOUBLE, padded);
        paddedKeep.get(NDArrayIndex.interval(0, n)).assign(keep);
        Nd4j.getRandom().setSeed(11);
        for (int step = 0; step < 4; step++) {
            INDArray[] m = {
                Nd4j.randn(DataType.DOUBLE, n), Nd4j.randn(DataType.DOUBLE, n).muli(2)
            };
            INDArray[] ref = {m[0].mul(keep), m[1].mul(keep)};
            TwoStageAllReduce.reduce(ref, refWorkerErr, refServerErr);
            for (int r = 0; r < w; r++) {
                ref[r].muli(keep);
                refWorkerErr[r].muli(paddedKeep);
                refServerErr[r].muli(paddedKeep.get(NDArrayIndex.interval(r * chunk, (r + 1) * chunk)));
            }
            INDArray[] out = {Nd4j.create(DataType.DOUBLE, n), Nd4j.create(DataType.DOUBLE, n)};
            for (Throwable t : onThreads(w, r -> x.compressedAllReduce(r, m[r], out[r], keep))) assertNull(t);
            for (int r = 0; r < w; r++) {
                for (int i : masked) {
                    assertEquals(0.0, Math.abs(out[r].getDouble(i)), "step " + step + " output at masked " + i);
                    assertEquals(0.0, Math.abs(x.workerError(r).getDouble(i)), "step " + step + " workerErr at " + i);
                    if (i / chunk == r) {
                        assertEquals(0.0, Math.abs(x.serverError(r).getDouble(i - r * chunk)), "serverErr at " + i);
                    }
                }
                assertClose(ref[r], out[r], 1e-6, "step " + step + " result of worker " + r);
                assertClose(refWorkerErr[r], x.workerError(r), 1e-6, "step " + step + " workerErr " + r);
                assertClose(refServerErr[r], x.serverError(r), 1e-6, "step " + step + " serverErr " + r);
            }
            assertEquals(out[0], out[1]);
        }
    }

    @Test
    void fullPrecisionMeanAndItsBytes() throws Exception {
        OneBitExchange x = new OneBitExchange(2, 30_000);
        INDArray[] g = {Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f), Nd4j.createFromArray(3f, 2f, 1f, 0f, -1f, 2f)};
        for (Throwable t : onThreads(2, r -> x.meanAllReduce(r, g[r]))) assertNull(t);
        for (INDArray a : g) assertEquals(Nd4j.createFromArray(2f, 2f, 2f, 2f, 2f, 4f), a);
        assertEquals(2 * (2 - 1) * 6 * 4 / 2, x.fullPrecisionBytes(0), "2 (W-1)/W N fp32 bytes");
    }

    @Test
    void moreWorkersThanBuiltForFailsClearly() {
        OneBitExchange x = new OneBitExchange(2, 30_000);
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> x.compressedAllReduce(2, Nd4j.ones(DataType.DOUBLE, 8), Nd4j.ones(DataType.DOUBLE, 8)));
        assertTrue(e.getMessage().contains("built for 2 workers"), e.getMessage());
    }

    @Test
    void inconsistentLengthsFailOnEveryWorker() throws Exception {
        OneBitExchange x = new OneBitExchange(2, 30_000);
        List<Throwable> errs = onThreads(
                2,
                r -> x.compressedAllReduce(
                        r, Nd4j.ones(DataType.DOUBLE, 8 + 8 * r), Nd4j.create(DataType.DOUBLE, 8 + 8 * r)));
        for (Throwable t : errs) {
            if (t == null) fail("both workers must fail");
            assertTrue(t.getMessage().contains("inconsistent"), t.getMessage());
        }
    }

    @Test
    void nanFailsEverywhereAndNeverEntersTheErrors() throws Exception {
        OneBitExchange x = new OneBitExchange(2, 30_000);
        for (Throwable t : onThreads(
                2,
                r -> x.compressedAllReduce(
                        r, Nd4j.ones(DataType.DOUBLE, 16).muli(r + 1), Nd4j.create(DataType.DOUBLE, 16)))) {
            assertNull(t);
        }
        INDArray before0 = x.workerError(0).dup();
        INDArray before1 = x.workerError(1).dup();
        INDArray sBefore0 = x.serverError(0).dup();
        List<Throwable> errs = onThreads(2, r -> {
            INDArray m = Nd4j.ones(DataType.DOUBLE, 16);
            if (r == 1) m.putScalar(3, Double.NaN);
            x.compressedAllReduce(r, m, Nd4j.create(DataType.DOUBLE, 16));
        });
        for (Throwable t : errs) {
            if (t == null) fail("both workers must fail");
            assertTrue(t.getMessage().contains("non-finite") && t.getMessage().contains("worker 1"), t.getMessage());
        }
        assertEquals(before0, x.workerError(0));
        assertEquals(before1, x.workerError(1));
        assertEquals(sBefore0, x.serverError(0));
    }

    @Test
    void aMissingWorkerTimesOutLoudly() {
        OneBitExchange x = new OneBitExchange(2, 500);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> x.meanAllReduce(0, Nd4j.ones(DataType.FLOAT, 4)));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }
}
