package org.dl4jopt.bench;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.Optimizers;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.NewtonSchulz;
import org.dl4jopt.muon.NsCoefficients;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Arrays;
import java.util.List;

/**
 * Side-by-side benchmarks for BENCHMARKS.md, every ratio measured in one run as a ratio of medians:
 * (a) Newton-Schulz (5 Jordan steps) GFLOP/s vs the same GEMMs issued raw through ND4J, counting
 * {@code k(4r^2c + 2r^3)} flops; (b) one training iteration of the reference CNN at batch 64 with Muon vs DL4J Adam;
 * (c) optimizer-state bytes of both. Usage: {@code benchmarks/run [--quick]}.
 */
public final class Benchmarks {
    private static final int NS_STEPS = 5;

    public static void main(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        System.out.println("ND4J backend: " + Nd4j.getBackend().getClass().getSimpleName() + ", cores: "
                + Runtime.getRuntime().availableProcessors() + ", java " + System.getProperty("java.version"));
        newtonSchulzVsGemm(quick ? 5 : 21);
        trainingIteration(quick ? 5 : 15, quick ? 5 : 10);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** (a) Newton-Schulz throughput vs raw gemm on the shapes of the issue. */
    static void newtonSchulzVsGemm(int reps) {
        System.out.println("\n(a) Newton-Schulz (Jordan, 5 steps, fp32) vs raw ND4J gemm, same products, median of "
                + reps);
        System.out.printf("%-11s %12s %12s %10s %8s%n", "shape", "NS GFLOP/s", "gemm GFLOP/s", "NS ms", "ratio");
        long[][] shapes = {{256, 256}, {512, 512}, {1024, 1024}, {1024, 4096}, {800, 32}};
        NewtonSchulz ns = new NewtonSchulz(NsCoefficients.JORDAN, NS_STEPS, 1e-7);
        for (long[] sh : shapes) {
            long r = Math.min(sh[0], sh[1]);
            long c = Math.max(sh[0], sh[1]);
            double flops = NS_STEPS * (4.0 * r * r * c + 2.0 * r * r * r);
            Nd4j.getRandom().setSeed(1);
            INDArray g = Nd4j.randn(DataType.FLOAT, sh[0], sh[1]);
            INDArray work = g.dup();
            INDArray x = Nd4j.randn(DataType.FLOAT, 'f', r, c).muli(0.01);
            INDArray y = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, c}, 'f');
            INDArray a = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, r}, 'f');
            INDArray b = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, r}, 'f');
            int warm = Math.max(2, reps / 4);
            double[] tNs = new double[reps];
            double[] tGemm = new double[reps];
            for (int i = -warm; i < reps; i++) {        // interleaved, so both see the same machine state
                work.assign(g);
                long t0 = System.nanoTime();
                ns.orthogonalizeInPlace(work, 1.0);
                Nd4j.getExecutioner().commit();
                long t1 = System.nanoTime();
                for (int j = 0; j < NS_STEPS; j++) {
                    Nd4j.gemm(x, x, a, false, true, 1.0, 0.0);
                    Nd4j.gemm(a, a, b, false, false, 1.0, 0.0);
                    Nd4j.gemm(b, x, y, false, false, 1.0, 0.0);
                }
                Nd4j.getExecutioner().commit();
                long t2 = System.nanoTime();
                if (i >= 0) {
                    tNs[i] = (t1 - t0) / 1e9;
                    tGemm[i] = (t2 - t1) / 1e9;
                }
            }
            double ns1 = median(tNs);
            double gm = median(tGemm);
            System.out.printf("%-11s %12.1f %12.1f %10.2f %8.3f%n", sh[0] + "x" + sh[1], flops / ns1 / 1e9,
                    flops / gm / 1e9, ns1 * 1e3, gm / ns1);
        }
    }

    static MultiLayerNetwork cnn(IUpdater u) {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(TestModels.cnn(u, 42, DataType.FLOAT)));
        net.init();
        return net;
    }

    /** (b) and (c): whole training iterations, Muon vs Adam, alternating blocks of iterations. */
    static void trainingIteration(int rounds, int itersPerRound) {
        int batch = 64;
        List<DataSet> data = SyntheticData.images(batch * 8, 3).batchBy(batch);
        MultiLayerNetwork muon = cnn(new Muon());
        MultiLayerNetwork adam = cnn(new Adam(1e-3));
        MultiLayerNetwork[] nets = {adam, muon};
        for (MultiLayerNetwork n : nets) for (int i = 0; i < 20; i++) n.fit(data.get(i % data.size()));
        double[][] perIter = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < itersPerRound; i++) nets[k].fit(data.get(i % data.size()));
                Nd4j.getExecutioner().commit();
                perIter[k][r] = (System.nanoTime() - t0) / 1e6 / itersPerRound;
            }
        }
        double a = median(perIter[0]);
        double m = median(perIter[1]);
        System.out.println("\n(b) Reference CNN (conv16-pool-conv32-pool-dense128-out10, " + muon.numParams()
                + " params), batch " + batch + ", one iteration = forward+backward+update, median of " + rounds
                + " rounds x " + itersPerRound + " iterations");
        System.out.printf("    DL4J Adam: %.2f ms/iter   Muon: %.2f ms/iter   ratio Muon/Adam: %.3f%n", a, m, m / a);
        long bytes = DataType.FLOAT.width();
        long muonState = muon.getUpdater().getStateViewArray().length() * bytes;
        long adamState = adam.getUpdater().getStateViewArray().length() * bytes;
        System.out.println("\n(c) Optimizer state (the flat updater state array that DL4J saves and averages)");
        System.out.printf("    DL4J Adam: %d bytes   Muon: %d bytes   ratio: %.3f%n", adamState, muonState,
                (double) muonState / adamState);
    }
}
