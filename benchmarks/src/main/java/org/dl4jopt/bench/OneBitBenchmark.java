package org.dl4jopt.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.dl4jopt.Optimizers;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.parallel.onebit.ExchangedQuantity;
import org.dl4jopt.parallel.onebit.OneBitAllReduceAccumulator;
import org.dl4jopt.testmodels.FashionMnist;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * 1-bit Adam on 2 ParallelWrapper workers, Fashion-MNIST CNN (issue 6): bytes sent per worker and test accuracy for
 * (1) 1-bit Adam exchanging the momentum (the paper), (2) 1-bit Adam exchanging the preconditioned momentum,
 * (3) the same exchange never compressing (freezeStep beyond the run: all-reduced Adam, the uncompressed baseline;
 * bias-corrected warm-up everywhere, i.e. DL4J Adam),
 * (4) DL4J's SHARED_GRADIENTS with its default adaptive threshold encoding and Adam (encoded message bytes counted).
 * Usage: {@code OneBitBenchmark [trainExamples] [batch] [warmupFraction] [modes] [maskTau] [cnn|bn]} (defaults 25600,
 * 64, 0.15, {@code onebit,precond,adam,threshold}, 0 (no momentum mask), cnn: 200 rounds, all four runs).
 */
public final class OneBitBenchmark {
    static final int WORKERS = 2;
    static final double LR = 1e-3;
    static double maskTau;
    static boolean batchNorm;

    public static void main(String[] args) {
        int train = args.length > 0 ? Integer.parseInt(args[0]) : 25600;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        double warm = args.length > 2 ? Double.parseDouble(args[2]) : 0.15;
        java.util.Set<String> modes =
                java.util.Set.of((args.length > 3 ? args[3] : "onebit,precond,adam,threshold").split(","));
        maskTau = args.length > 4 ? Double.parseDouble(args[4]) : 0;
        batchNorm = args.length > 5 && args[5].equals("bn");
        if (args.length > 5 && !args[5].equals("bn") && !args[5].equals("cnn")) {
            throw new IllegalArgumentException("model must be cnn or bn (TestModels.cnnWithBatchNorm), got " + args[5]);
        }
        FashionMnist data = FashionMnist.load(train, 10_000);
        long rounds = (train / batch + WORKERS - 1) / WORKERS;
        long freeze = Math.max(1, Math.round(warm * rounds));
        System.out.printf(
                "Fashion-MNIST %s, %d train examples, batch %d per worker, %d workers, %d rounds, "
                        + "freezeStep %d (%.0f%% warm-up), lr %g, momentum mask tau %g%n",
                batchNorm ? "CNN+BN" : "CNN", train, batch, WORKERS, rounds, freeze, 100 * warm, LR, maskTau);
        for (String m : modes) {
            if (!java.util.List.of("onebit", "precond", "adam", "threshold").contains(m)) {
                throw new IllegalArgumentException("unknown mode " + m + ": use onebit,precond,adam,threshold");
            }
        }
        if (modes.contains("onebit")) {
            run("1-bit Adam (momentum, paper)", data, batch, freeze, ExchangedQuantity.MOMENTUM);
        }
        if (modes.contains("precond")) {
            run("1-bit Adam (preconditioned momentum)", data, batch, freeze, ExchangedQuantity.PRECONDITIONED_MOMENTUM);
        }
        if (modes.contains("adam")) {
            run("all-reduced Adam, uncompressed fp32", data, batch, Long.MAX_VALUE / 2, ExchangedQuantity.MOMENTUM);
        }
        if (modes.contains("threshold")) sharedGradients(data, batch);
    }

    static MultiLayerNetwork cnn(org.nd4j.linalg.learning.config.IUpdater u) {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(
                batchNorm
                        ? TestModels.cnnWithBatchNorm(u, 42, DataType.FLOAT)
                        : TestModels.cnn(u, 42, DataType.FLOAT)));
        net.init();
        return net;
    }

    static void run(String name, FashionMnist data, int batch, long freeze, ExchangedQuantity q) {
        MultiLayerNetwork net = cnn(OneBitAdam.builder()
                .learningRate(LR)
                .freezeStep(freeze)
                .biasCorrection(true)
                .momentumMaskThreshold(maskTau)
                .build());
        OneBitAllReduceAccumulator acc =
                new OneBitAllReduceAccumulator(WORKERS, q, OneBitAllReduceAccumulator.DEFAULT_TIMEOUT_MILLIS);
        ParallelWrapper pw = acc.wrap(net, 4);
        long t0 = System.nanoTime();
        Thread progress = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(120_000);
                    System.out.printf(
                            "  [%s] %.0f s: %d full-precision + %d compressed steps, masked %d%n",
                            name,
                            (System.nanoTime() - t0) / 1e9,
                            acc.fullPrecisionSteps(),
                            acc.compressedSteps(),
                            acc.maskedEntries());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        progress.setDaemon(true);
        progress.start();
        String error = null;
        try {
            pw.fit(data.trainIterator(batch, 1));
        } catch (RuntimeException e) {
            error = rootMessage(e);
        }
        progress.interrupt();
        double secs = (System.nanoTime() - t0) / 1e9;
        long n = net.numParams();
        long bytes = acc.exchange().bytesSent(0);
        long steps = acc.compressedSteps() + acc.fullPrecisionSteps();
        long fp32 = steps * 2L * (WORKERS - 1) * n * 4 / WORKERS;
        String acc1 = error != null ? "diverged: " + error : String.format("%.4f", accuracy(net, data));
        System.out.printf(
                "%-40s steps %d (%d compressed, %d of %d entries masked)  bytes/worker %,d  fp32 all-reduce "
                        + "%,d  ratio %.2fx  test accuracy %s  (%.0f s)%n",
                name,
                steps,
                acc.compressedSteps(),
                Math.max(0, acc.maskedEntries()),
                n,
                bytes,
                fp32,
                (double) fp32 / bytes,
                acc1,
                secs);
    }

    /** DL4J's default gradient sharing, with the encoded messages counted as they are handed to the accumulator. */
    static void sharedGradients(FashionMnist data, int batch) {
        MultiLayerNetwork net = cnn(new Adam(LR));
        Updater u = net.getUpdater();
        int maxUpdate = (int) (net.numParams() / 16 + 5);
        AtomicLong bytes = new AtomicLong();
        AtomicLong messages = new AtomicLong();
        EncodingHandler handler = new EncodingHandler(new AdaptiveThresholdAlgorithm(), null, maxUpdate, false) {
            @Override
            protected void sendMessage(INDArray message, int iterationNumber, int epochNumber) {
                bytes.addAndGet(message.length() * message.dataType().width());
                messages.incrementAndGet();
                super.sendMessage(message, iterationNumber, epochNumber);
            }
        };
        EncodedGradientsAccumulator acc = new EncodedGradientsAccumulator(
                WORKERS, handler, (long) maxUpdate * 4 * (WORKERS + 3), WORKERS + 2, Integer.MAX_VALUE, false);
        ParallelWrapper pw = new ParallelWrapper.Builder<>(net)
                .workers(WORKERS)
                .prefetchBuffer(4)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                .gradientsAccumulator(acc)
                .build();
        long t0 = System.nanoTime();
        pw.fit(data.trainIterator(batch, 1));
        net.setUpdater(u);
        double secs = (System.nanoTime() - t0) / 1e9;
        long n = net.numParams();
        long perWorker = bytes.get() / WORKERS;
        long fp32 = messages.get() / WORKERS * 2L * (WORKERS - 1) * n * 4 / WORKERS;
        System.out.printf(
                "%-40s messages %d  bytes/worker %,d  fp32 all-reduce %,d  ratio %.2fx  test accuracy "
                        + "%.4f  (%.0f s)%n",
                "DL4J SHARED_GRADIENTS threshold (Adam)",
                messages.get(),
                perWorker,
                fp32,
                (double) fp32 / perWorker,
                accuracy(net, data),
                secs);
    }

    static double accuracy(MultiLayerNetwork net, FashionMnist data) {
        return net.evaluate(data.testIterator(500)).accuracy();
    }

    static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        String m = String.valueOf(e.getMessage());
        return m.length() > 160 ? m.substring(0, 160) + "..." : m;
    }
}
