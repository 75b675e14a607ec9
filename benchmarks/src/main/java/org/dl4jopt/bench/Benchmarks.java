package org.dl4jopt.bench;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.dl4jopt.Optimizers;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.MuonUpdater;
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
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.Arrays;
import java.util.List;

/**
 * Side-by-side benchmarks for BENCHMARKS.md, every ratio measured in one run as a ratio of medians:
 * (a) Newton-Schulz (5 Jordan steps) GFLOP/s vs the same GEMMs issued raw through ND4J, counting
 * {@code k(4r^2c + 2r^3)} flops; (b) one training iteration of the reference CNN at batch 64 with Muon vs DL4J Adam;
 * (c) optimizer-state bytes of both. Usage: {@code benchmarks/run [--quick] [--skip-ns] [--step-costs-only]}.
 */
public final class Benchmarks {
    private static final int NS_STEPS = 5;

    public static void main(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        System.out.println("ND4J backend: " + Nd4j.getBackend().getClass().getSimpleName() + ", cores: "
                + Runtime.getRuntime().availableProcessors() + ", java " + System.getProperty("java.version"));
        List<String> a = Arrays.asList(args);
        boolean onlyE = a.contains("--step-costs-only");
        if (!a.contains("--skip-ns") && !onlyE) newtonSchulzVsGemm(quick ? 5 : 21);
        if (!onlyE) {
            trainingIteration(quick ? 4 : 24, 5);
            dropMuonCutoffs(quick ? 4 : 16, 5);
        }
        stepCosts(quick ? 4 : 16, 5);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Splits each fit into forward+backward (until the gradient is computed) and the update (until it is applied). */
    static final class PhaseTimer extends BaseTrainingListener {
        final List<Double> forwardBackward = new java.util.ArrayList<>();
        final List<Double> update = new java.util.ArrayList<>();
        private long start;
        private long gradient;

        @Override
        public void onGradientCalculation(Model model) {
            gradient = System.nanoTime();
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            long now = System.nanoTime();
            forwardBackward.add((gradient - start) / 1e6);
            update.add((now - gradient) / 1e6);
        }

        void iterationStart() {
            start = System.nanoTime();
        }
    }

    /**
     * (d) Drop-Muon: time per iteration as a function of the cutoff, side by side with Muon, with the backward
     * truncation listener; two networks per variant, ABBA rounds.
     */
    static void dropMuonCutoffs(int rounds, int itersPerRound) {
        int batch = 64;
        List<DataSet> data = SyntheticData.images(batch * 8, 3).batchBy(batch);
        String[] names = {"Muon", "Drop-Muon s=0 (all 4 blocks)", "Drop-Muon s=2 (dense+output)",
                "Drop-Muon s=3 (output only)", "Drop-Muon uniform"};
        IUpdater[] configs = {new Muon(), DropMuon.builder().fixedCutoff(0).build(),
                DropMuon.builder().fixedCutoff(2).build(), DropMuon.builder().fixedCutoff(3).build(),
                DropMuon.builder().seed(1).build()};
        int instances = 2;
        MultiLayerNetwork[] nets = new MultiLayerNetwork[configs.length * instances];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = cnn(configs[i % configs.length].clone());
            nets[i].addListeners(new DropMuonBackprop());
            for (int j = 0; j < 10; j++) nets[i].fit(data.get(j % data.size()));
        }
        double[][] t = abbaRounds(nets, configs.length, data, rounds, itersPerRound, null);
        System.out.println("\n(d) Drop-Muon on the reference CNN, batch " + batch + ", with DropMuonBackprop; "
                + instances + " networks per variant, median of " + rounds + " rounds x " + itersPerRound
                + " iterations each (ABBA order)");
        double muon = median(t[0]);
        for (int c = 0; c < configs.length; c++) {
            System.out.printf("    %-30s %7.2f ms/iter   ratio to Muon %.3f%n", names[c], median(t[c]),
                    median(t[c]) / muon);
        }
    }

    /**
     * (e) FISMO, LANTON and AM next to Muon, DL4J Adam and DL4J Nesterovs on the reference CNN: the update step alone (all blocks), the
     * whole iteration, and optimizer-state bytes; two networks per optimizer, ABBA rounds.
     */
    static void stepCosts(int rounds, int itersPerRound) {
        int batch = 64;
        List<DataSet> data = SyntheticData.images(batch * 8, 3).batchBy(batch);
        String[] names = {"DL4J Adam", "Muon", "FISMO", "LANTON (Muon base)", "AM-AdamW", "DL4J Nesterovs", "AM-SGD"};
        IUpdater[] configs = {new Adam(1e-3), new Muon(), Fismo.builder().build(), Lanton.builder().build(),
                AdaptiveMemoryAdamW.builder().build(), new Nesterovs(0.05, 0.9), AdaptiveMemorySgd.builder().build()};
        int instances = 2;
        MultiLayerNetwork[] nets = new MultiLayerNetwork[configs.length * instances];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = cnn(configs[i % configs.length].clone());
            for (int j = 0; j < 10; j++) nets[i].fit(data.get(j % data.size()));
        }
        double[][] t = abbaRounds(nets, configs.length, data, rounds, itersPerRound, null);
        System.out.println("\n(e) FISMO, LANTON and AM on the reference CNN, batch " + batch + "; " + instances
                + " networks per optimizer, median of " + rounds + " rounds x " + itersPerRound + " iterations");
        double adamUpdate = updateOnly(nets[0], rounds * 2);
        double adamIter = median(t[0]);
        double muonUpdate = updateOnly(nets[1], rounds * 2);
        for (int c = 0; c < configs.length; c++) {
            double u = updateOnly(nets[c], rounds * 2);
            long bytes = nets[c].getUpdater().getStateViewArray().length() * DataType.FLOAT.width();
            System.out.printf("    %-20s update %7.2f ms (x%.2f Muon, x%.2f Adam)   iteration %7.2f ms (x%.3f Adam)"
                            + "   state %,d bytes%n", names[c], u, u / muonUpdate, u / adamUpdate, median(t[c]),
                    median(t[c]) / adamIter, bytes);
        }
    }

    /**
     * Times {@code nets} (variant {@code k % variants}, instance {@code k / variants}) in rounds of
     * {@code itersPerRound} fits, visiting the networks forwards in even rounds and backwards in odd ones (ABBA), so
     * slow drift of the machine cancels; returns ms per iteration, per variant, one entry per round and instance.
     */
    static double[][] abbaRounds(MultiLayerNetwork[] nets, int variants, List<DataSet> data, int rounds,
                                 int itersPerRound, PhaseTimer[] phases) {
        int instances = nets.length / variants;
        double[][] t = new double[variants][rounds * instances];
        for (int r = 0; r < rounds; r++) {
            for (int o = 0; o < nets.length; o++) {
                int k = (r % 2 == 0) ? o : nets.length - 1 - o;
                long t0 = System.nanoTime();
                for (int i = 0; i < itersPerRound; i++) {
                    if (phases != null) phases[k].iterationStart();
                    nets[k].fit(data.get((r + i) % data.size()));
                }
                Nd4j.getExecutioner().commit();
                t[k % variants][r * instances + k / variants] = (System.nanoTime() - t0) / 1e6 / itersPerRound;
            }
        }
        return t;
    }

    /** Median time of one update of every block (the gradient is restored before each call). */
    static double updateOnly(MultiLayerNetwork net, int reps) {
        List<UpdaterBlock> blocks = ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks();
        INDArray saved = net.getFlattenedGradients().dup();
        double[] t = new double[reps];
        for (int i = -3; i < reps; i++) {
            net.getFlattenedGradients().assign(saved);
            long t0 = System.nanoTime();
            for (UpdaterBlock b : blocks) b.getGradientUpdater().applyUpdater(b.getGradientView(), 100, 0);
            Nd4j.getExecutioner().commit();
            if (i >= 0) t[i] = (System.nanoTime() - t0) / 1e6;
        }
        net.getFlattenedGradients().assign(saved);
        return median(t);
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

    /**
     * (b) and (c): whole training iterations, Muon vs Adam, in short rounds whose order alternates (ABBA) so drift of
     * the machine cancels; and the update step alone (every updater block of the network, gradient restored before
     * each call).
     */
    static void trainingIteration(int rounds, int itersPerRound) {
        int batch = 64;
        int instances = 3;   // identical networks differ by up to ~8% in speed (memory placement), so use several
        List<DataSet> data = SyntheticData.images(batch * 8, 3).batchBy(batch);
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2 * instances];   // even: Adam, odd: Muon
        PhaseTimer[] phases = new PhaseTimer[nets.length];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = cnn(i % 2 == 0 ? new Adam(1e-3) : new Muon());
            for (int j = 0; j < 20; j++) nets[i].fit(data.get(j % data.size()));
            phases[i] = new PhaseTimer();
            nets[i].setListeners(phases[i]);
        }
        MultiLayerNetwork adam = nets[0];
        MultiLayerNetwork muon = nets[1];
        double[][] perIter = abbaRounds(nets, 2, data, rounds, itersPerRound, phases);
        double a = median(perIter[0]);
        double m = median(perIter[1]);
        System.out.println("\n(b) Reference CNN (conv16-pool-conv32-pool-dense128-out10, " + muon.numParams()
                + " params), batch " + batch + ", one iteration = forward+backward+update; " + instances
                + " networks per optimizer, median of " + rounds + " rounds x " + itersPerRound
                + " iterations each (ABBA order)");
        System.out.printf("    DL4J Adam: %.2f ms/iter   Muon: %.2f ms/iter   ratio Muon/Adam: %.3f%n", a, m, m / a);
        double[][] fb = new double[2][];
        double[][] up = new double[2][];
        for (int k = 0; k < 2; k++) {
            List<Double> f = new java.util.ArrayList<>();
            List<Double> u = new java.util.ArrayList<>();
            for (int i = k; i < nets.length; i += 2) {
                f.addAll(phases[i].forwardBackward);
                u.addAll(phases[i].update);
            }
            fb[k] = f.stream().mapToDouble(Double::doubleValue).toArray();
            up[k] = u.stream().mapToDouble(Double::doubleValue).toArray();
        }
        System.out.printf("    inside fit, medians: forward+backward Adam %.2f / Muon %.2f ms; update Adam %.2f / Muon "
                + "%.2f ms -> (fwd+bwd of Adam + update) ratio %.3f%n", median(fb[0]), median(fb[1]), median(up[0]),
                median(up[1]), (median(fb[0]) + median(up[1])) / (median(fb[0]) + median(up[0])));
        double ua = updateOnly(adam, rounds * 2);
        double um = updateOnly(muon, rounds * 2);
        System.out.printf("    update step alone (all blocks): DL4J Adam %.2f ms   Muon %.2f ms   "
                + "(Muon adds %.1f%% to Adam's iteration)%n", ua, um, 100 * (um - ua) / a);
        long bytes = DataType.FLOAT.width();
        long muonState = muon.getUpdater().getStateViewArray().length() * bytes;
        long adamState = adam.getUpdater().getStateViewArray().length() * bytes;
        System.out.println("\n(c) Optimizer state (the flat updater state array that DL4J saves and averages)");
        System.out.printf("    DL4J Adam: %d bytes   Muon: %d bytes   ratio: %.3f%n", adamState, muonState,
                (double) muonState / adamState);
        long work = 0;
        for (UpdaterBlock b : ((MultiLayerUpdater) muon.getUpdater()).getUpdaterBlocks()) {
            if (b.getGradientUpdater() instanceof MuonUpdater) {
                work += ((MuonUpdater) b.getGradientUpdater()).newtonSchulz().workBytes();
            }
        }
        System.out.printf("    Muon transient Newton-Schulz work buffers (not saved): %d bytes%n", work);
    }
}
