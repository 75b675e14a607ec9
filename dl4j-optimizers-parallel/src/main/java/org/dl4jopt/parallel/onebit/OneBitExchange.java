package org.dl4jopt.parallel.onebit;

import java.util.concurrent.atomic.AtomicLongArray;
import org.dl4jopt.core.Kernels;
import org.dl4jopt.onebit.OneBitCompressor;
import org.dl4jopt.onebit.OneBitMessage;
import org.dl4jopt.onebit.SignBits;
import org.dl4jopt.onebit.TwoStageAllReduce;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The collectives of 1-bit Adam between the worker threads of one process (spec A.4, A.9), each worker calling with
 * its rank {@code 0..W-1} from its own thread:
 * <ul>
 * <li>{@link #compressedAllReduce}: DeepSpeed's two-stage error-compensated 1-bit all-reduce. Worker r sends its
 * packed signs chunk j (with its scale {@code s_r}) to worker j; worker r serves chunk r (average of the decompressed
 * chunks plus its server error, compressed again with scale {@code S_r}) and sends it to every worker; everyone
 * decompresses the same bytes, so every worker gets the same result.</li>
 * <li>{@link #meanAllReduce}: full-precision mean, as a reduce-scatter (worker r sums chunk r) and an all-gather.</li>
 * </ul>
 * Messages are real {@link OneBitMessage}s (UINT8 packed signs + fp32 scales) read by the other threads; the bytes
 * each worker sends to the others are counted. Every step synchronises through a barrier that fails loudly after a
 * timeout; a failure on one worker (bad input, NaN) aborts the exchange on all of them. Worker error buffers
 * ({@code N'}) and server error buffers ({@code N'/W}) live here, per rank, zeroed at the first compressed call.
 */
// "try": every try-with-resources here opens an ND4J workspace scope used for its extent only, never referenced
@SuppressWarnings("try")
public final class OneBitExchange {
    private final int workers;
    private final StepBarrier barrier;
    private final long[] lengths;
    private final INDArray[] published;
    private final OneBitMessage[] workerMessages;
    private final OneBitMessage[] serverMessages;
    private final Rank[] ranks;
    private volatile INDArray meanResult;
    private final AtomicLongArray compressedBytes;
    private final AtomicLongArray fullPrecisionBytes;

    /** An exchange between {@code workers} threads whose barrier gives up after {@code timeoutMillis}. */
    public OneBitExchange(int workers, long timeoutMillis) {
        if (workers < 2) throw new IllegalArgumentException("A 1-bit exchange needs >= 2 workers, got " + workers);
        if (timeoutMillis <= 0) throw new IllegalArgumentException("timeoutMillis must be > 0, got " + timeoutMillis);
        this.workers = workers;
        this.barrier = new StepBarrier(workers, timeoutMillis);
        lengths = new long[workers];
        published = new INDArray[workers];
        workerMessages = new OneBitMessage[workers];
        serverMessages = new OneBitMessage[workers];
        ranks = new Rank[workers];
        compressedBytes = new AtomicLongArray(workers);
        fullPrecisionBytes = new AtomicLongArray(workers);
    }

    public int workers() {
        return workers;
    }

    /** Workers taking part in the next rounds (ParallelWrapper's last round may have fewer); call between rounds. */
    public void participants(int k) {
        if (k < 1 || k > workers) {
            throw new IllegalArgumentException("Exchange built for " + workers + " workers, asked for " + k);
        }
        barrier.parties(k);
    }

    /** True if every worker takes part in the current rounds. */
    public boolean participantsAll() {
        return barrier.parties() == workers;
    }

    /** Aborts the exchange on every worker with {@code reason}. */
    public void abort(String reason) {
        barrier.fail(reason);
    }

    /** Per-worker state: error buffers, work buffers and packers (one thread each). */
    private static final class Rank {
        final long n;
        final long padded;
        final long chunk;
        final INDArray z;
        final INDArray workerErr;
        final INDArray serverErr;
        final INDArray a;
        final INDArray signs;
        final INDArray full;
        final SignBits packAll;
        final SignBits packChunk;

        Rank(long n, int w, DataType type) {
            this.n = n;
            padded = TwoStageAllReduce.paddedLength(n, w);
            chunk = padded / w;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                z = Nd4j.create(type, padded);
                workerErr = Nd4j.create(type, padded);
                serverErr = Nd4j.create(type, chunk);
                a = Nd4j.create(type, chunk);
                signs = Nd4j.create(type, chunk);
                full = Nd4j.create(type, padded);
            }
            packAll = new SignBits(padded, type);
            packChunk = new SignBits(chunk, type);
        }
    }

    /**
     * Two-stage 1-bit all-reduce of {@code local} (this worker's vector, flat, length N); writes the common result into
     * {@code out} (length N, may be {@code local}) on every worker.
     */
    public void compressedAllReduce(int rank, INDArray local, INDArray out) {
        compressedAllReduce(rank, local, out, null);
    }

    /**
     * {@link #compressedAllReduce(int, INDArray, INDArray)} with a momentum mask ({@code keep}, length N, 0/1, the
     * same on every worker; null: none; see {@code MomentumMask}): masked entries enter as 0, their worker and server
     * errors are held at 0 and their output is 0 (spec A.5 {@code m = m * mask}; the padded tail is not masked).
     */
    public void compressedAllReduce(int rank, INDArray local, INDArray out, INDArray keep) {
        checkRank(rank);
        if (barrier.parties() != workers) {
            fail(
                    rank,
                    "the compressed all-reduce needs all " + workers + " workers, this round has " + barrier.parties());
        }
        requireFinite(rank, local, "momentum");
        long n = local.length();
        Rank me = ranks[rank];
        if (me == null) {
            me = ranks[rank] = new Rank(n, workers, local.dataType());
            workerMessages[rank] = new OneBitMessage(me.padded, workers);
            serverMessages[rank] = new OneBitMessage(me.chunk, 1);
        } else if (me.n != n) {
            fail(
                    rank,
                    "worker " + rank + " compressed " + me.n + " elements before and now " + n
                            + " (the compressed unit must keep its size; reset the exchange after changing the model)");
        }
        lengths[rank] = n;
        // ---- worker side: z = m + workerErr (padded), s = ||z|| / sqrt(N'), workerErr = z - s sgn(z)
        me.z.assign(me.workerErr);
        me.z.get(NDArrayIndex.interval(0, n)).addi(local);
        if (keep != null) {
            if (keep.length() != n) fail(rank, "mask has " + keep.length() + " entries, the vector " + n);
            me.z.get(NDArrayIndex.interval(0, n)).muli(keep);
        }
        float s = (float) OneBitCompressor.compress(me.z, me.workerErr); // z now holds the signs; s over N'
        if (keep != null) me.workerErr.get(NDArrayIndex.interval(0, n)).muli(keep);
        OneBitMessage mine = workerMessages[rank];
        me.packAll.pack(me.z, mine.packed());
        mine.scale(s);
        compressedBytes.addAndGet(rank, (workers - 1) * mine.chunkWireBytes()); // chunk j + s to worker j != r
        barrier.await("phase 1 (signs all-to-all)");
        for (int i = 0; i < workers; i++) {
            if (lengths[i] != n) {
                fail(
                        rank,
                        "chunk sizes inconsistent: worker " + i + " sent " + lengths[i] + " elements, worker " + rank
                                + " " + n);
            }
        }
        // ---- server side: a = sum_i (s_i / W) unpack(bits_i[r]) + serverErr_r, compressed with one scale S_r
        me.a.assign(me.serverErr);
        for (int i = 0; i < workers; i++) {
            me.packChunk.unpack(workerMessages[i].chunk(rank), me.signs);
            Nd4j.exec(new Axpy(me.signs, me.a, me.a, (double) workerMessages[i].scale() / workers));
        }
        float big = (float) OneBitCompressor.compress(me.a, me.serverErr); // a now holds the signs
        long lo = rank * me.chunk;
        long hi = Math.min(n, lo + me.chunk);
        if (keep != null && hi > lo) {
            me.serverErr.get(NDArrayIndex.interval(0, hi - lo)).muli(keep.get(NDArrayIndex.interval(lo, hi)));
        }
        OneBitMessage served = serverMessages[rank];
        me.packChunk.pack(me.a, served.packed());
        served.scale(big);
        compressedBytes.addAndGet(rank, (workers - 1) * served.wireBytes()); // chunk r + S_r to everyone
        barrier.await("phase 2 (server chunks all-gather)");
        // ---- everyone: concat S_j unpack(c_j), cut to N
        for (int j = 0; j < workers; j++) {
            INDArray part = me.full.get(NDArrayIndex.interval(j * me.chunk, (j + 1) * me.chunk));
            me.packChunk.unpack(serverMessages[j].packed(), part);
            part.muli(serverMessages[j].scale());
        }
        out.assign(me.full.get(NDArrayIndex.interval(0, n)));
        if (keep != null) out.muli(keep);
    }

    /**
     * Full-precision mean of every participating worker's {@code g} (flat, contiguous), written back into {@code g}
     * on each of them (bit-identical). With all W workers: reduce-scatter + all-gather (each worker sends
     * {@code 2 (W-1)/W N} elements); with fewer (a last partial round): every participant averages all.
     */
    public void meanAllReduce(int rank, INDArray g) {
        checkRank(rank);
        requireFinite(rank, g, "gradient");
        long n = g.length();
        int k = barrier.parties();
        if (k == workers && (meanResult == null || meanResult.length() != n)) allocateMean(n, g.dataType());
        published[rank] = g;
        lengths[rank] = n;
        barrier.await("full-precision mean (reduce-scatter)");
        int present = 0;
        for (int i = 0; i < workers; i++) {
            if (published[i] == null) continue;
            present++;
            if (lengths[i] != n) {
                fail(
                        rank,
                        "sizes inconsistent: worker " + i + " has " + lengths[i] + " elements, worker " + rank + " "
                                + n);
            }
        }
        if (present != k) fail(rank, present + " workers published, " + k + " expected");
        long elementBytes = g.dataType().width();
        INDArray result;
        if (k == workers) {
            long c = (n + workers - 1) / workers;
            long lo = Math.min(n, rank * c);
            long hi = Math.min(n, lo + c);
            if (hi > lo) {
                INDArray mine = meanResult.get(NDArrayIndex.interval(lo, hi));
                mine.assign(published[0].get(NDArrayIndex.interval(lo, hi)));
                for (int i = 1; i < workers; i++) mine.addi(published[i].get(NDArrayIndex.interval(lo, hi)));
                mine.divi(workers);
            }
            fullPrecisionBytes.addAndGet(rank, ((n - (hi - lo)) + (workers - 1) * (hi - lo)) * elementBytes);
            result = meanResult;
        } else {
            result = Nd4j.create(g.dataType(), n); // partial round only (at most once per fit)
            for (int i = 0; i < workers; i++) if (published[i] != null) result.addi(published[i]);
            result.divi(k);
            fullPrecisionBytes.addAndGet(rank, (k - 1) * n * elementBytes);
        }
        barrier.await("full-precision mean (all-gather)");
        g.assign(result);
        published[rank] = null;
    }

    private synchronized void allocateMean(long n, DataType type) {
        if (meanResult == null || meanResult.length() != n) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                meanResult = Nd4j.create(type, n);
            }
        }
    }

    /** Zeroes every error buffer (DeepSpeed resets them on checkpoint load, spec A.8.8). */
    public void resetErrors() {
        for (Rank r : ranks) {
            if (r != null) {
                r.workerErr.assign(0);
                r.serverErr.assign(0);
            }
        }
    }

    /** Worker {@code rank}'s error buffer (length N'), or null before its first compressed call. */
    public INDArray workerError(int rank) {
        return ranks[rank] == null ? null : ranks[rank].workerErr;
    }

    /** The error buffer of the chunk worker {@code rank} serves (length N'/W), or null before the first call. */
    public INDArray serverError(int rank) {
        return ranks[rank] == null ? null : ranks[rank].serverErr;
    }

    /** Bytes worker {@code rank} sent in compressed all-reduces: packed signs + fp32 scales. */
    public long compressedBytes(int rank) {
        return compressedBytes.get(rank);
    }

    /** Bytes worker {@code rank} sent in full-precision means. */
    public long fullPrecisionBytes(int rank) {
        return fullPrecisionBytes.get(rank);
    }

    /** All bytes worker {@code rank} sent. */
    public long bytesSent(int rank) {
        return compressedBytes(rank) + fullPrecisionBytes(rank);
    }

    private void checkRank(int rank) {
        if (rank < 0 || rank >= workers) {
            String msg = "rank " + rank + " outside 0.." + (workers - 1) + ": the exchange was built for " + workers
                    + " workers";
            barrier.fail(msg);
            throw new IllegalStateException("1-bit exchange aborted: " + msg);
        }
    }

    private void requireFinite(int rank, INDArray x, String what) {
        if (!Double.isFinite(Kernels.sumOfSquares(x))) {
            fail(
                    rank,
                    "non-finite (NaN/Inf) " + what + " on worker " + rank + "; nothing was exchanged and the "
                            + "error buffers are unchanged. Lower the learning rate or check the input data.");
        }
    }

    private void fail(int rank, String reason) {
        barrier.fail(reason);
        throw new IllegalStateException("1-bit exchange aborted: " + barrier.failure());
    }
}
