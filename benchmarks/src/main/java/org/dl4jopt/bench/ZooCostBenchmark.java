package org.dl4jopt.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.VGG16;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.AbstractMuon;
import org.dl4jopt.muon.Muon;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Time per training iteration ({@code ComputationGraph.fit} on one fixed synthetic batch: forward, backward, update)
 * of every optimizer at its defaults, and of the cost options the README recommends, against DL4J's {@code Adam} on
 * the zoo's ResNet50 and VGG16 (deeplearning4j-zoo 1.0.0-M2.1, 10 classes), all networks of a case alive in one
 * process. Interleaved A/B: each round times Adam, optimizer 1, Adam, optimizer 2, ..., Adam, and an optimizer's
 * ratio in that round is its time over the mean of the two Adam measurements around it, so load from other processes
 * that drifts over seconds cancels. Warm-up iterations (state allocation, first-step transients, JIT) are excluded.
 * Reports per optimizer the median ratio over the rounds, its min and max, the median ratio of process CPU time (less
 * sensitive to other processes on a shared machine) and the median ms per iteration.
 *
 * <p>Usage: {@code benchmarks/run-zoo-cost [--rounds N] [--warmup N] [--cases c1,c2] [--only o1,o2] [OUT_DIR]};
 * cases {@code resnet50-b2}, {@code resnet50-b8}, {@code vgg16-b2} (default all three); {@code --only} keeps these
 * optimizers (and Adam).
 */
public final class ZooCostBenchmark {
    private ZooCostBenchmark() {}

    static final int CLASSES = 10;
    /** The smallest side ResNet50 accepts is 133 px: its final 3x3 pooling (Truncate mode) needs a 3x3 map. */
    static final int RESNET_PX = 136;

    static final int VGG_PX = 64;

    /** One timed optimizer: the updater, and how many consecutive iterations one measurement averages over. */
    static final class Contender {
        final String name;
        final Supplier<IUpdater> updater;
        final int iterationsMultiple;

        Contender(String name, Supplier<IUpdater> updater, int iterationsMultiple) {
            this.name = name;
            this.updater = updater;
            this.iterationsMultiple = iterationsMultiple;
        }
    }

    /** A network and batch size with its contenders (the first is the baseline). */
    static final class Case {
        final String name;
        final int batch;
        final List<Contender> contenders;

        Case(String name, int batch, List<Contender> contenders) {
            this.name = name;
            this.batch = batch;
            this.contenders = contenders;
        }

        ComputationGraphConfiguration conf(IUpdater u) {
            if (name.startsWith("resnet50")) {
                return ResNet50.builder()
                        .numClasses(CLASSES)
                        .inputShape(new int[] {3, RESNET_PX, RESNET_PX})
                        .updater(u)
                        .build()
                        .graphBuilder()
                        .build();
            }
            return VGG16.builder()
                    .numClasses(CLASSES)
                    .inputShape(new int[] {3, VGG_PX, VGG_PX})
                    .updater(u)
                    .build()
                    .conf();
        }

        DataSet data() {
            Nd4j.getRandom().setSeed(7);
            INDArray features = name.startsWith("resnet50")
                    ? Nd4j.rand(DataType.FLOAT, batch, 3, RESNET_PX, RESNET_PX)
                    : Nd4j.rand(DataType.FLOAT, batch, 3 * VGG_PX * VGG_PX); // VGG16: convolutionalFlat input
            INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
            for (int i = 0; i < batch; i++) labels.putScalar(i, i % CLASSES, 1.0);
            return new DataSet(features, labels);
        }
    }

    static List<Contender> defaults() {
        List<Contender> c = new ArrayList<>();
        for (String n : new String[] {
            BenchOptimizers.BASELINE, "muon", "dropmuon", "fismo", "lanton", "onebit-adam", "am-sgd", "am-adamw"
        }) {
            c.add(new Contender(n, () -> BenchOptimizers.updater(n), 1));
        }
        // cost option: 3 Newton-Schulz steps instead of 5 (3/5 of the NS flops). Jordan's coefficients, not Polar
        // Express: PE's per-step schedule is built for its full length, cut at 3 steps it leaves singular values in
        // [0.19, 1.87] (Jordan's 3 steps: [0.40, 1.20], for singular values >= 1% of the largest)
        c.add(new Contender("muon-ns3", () -> Muon.builder().nsSteps(3).build(), 1));
        return c;
    }

    static Case resnet(int batch) {
        List<Contender> c = defaults();
        // FISMO's eigendecompositions every 4 steps (statistics still every step): timed over 4 consecutive
        // iterations, so each measurement holds exactly one refresh
        c.add(new Contender("fismo-root4", () -> Fismo.builder().rootEvery(4).build(), 4));
        return new Case("resnet50-b" + batch, batch, c);
    }

    static Case vgg(int batch) {
        List<Contender> c = defaults();
        // the two 4096-wide dense layers (VGG16's layer names "18", "19") on the AdamW fallback
        c.add(new Contender(
                "muon-densefb", () -> Muon.builder().fallbackLayers("18", "19").build(), 1));
        return new Case("vgg16-b" + batch, batch, c);
    }

    static Case named(String name) {
        switch (name) {
            case "resnet50-b2":
                return resnet(2);
            case "resnet50-b8":
                return resnet(8);
            case "vgg16-b2":
                return vgg(2);
            default:
                throw new IllegalArgumentException("unknown case " + name + " (resnet50-b2, resnet50-b8, vgg16-b2)");
        }
    }

    public static void main(String[] args) throws IOException {
        int rounds = 3;
        int warmup = 2;
        List<String> cases = Arrays.asList("resnet50-b2", "resnet50-b8", "vgg16-b2");
        List<String> only = null;
        String out = "runs/zoo-cost";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds":
                    rounds = Integer.parseInt(args[++i]);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(args[++i]);
                    break;
                case "--cases":
                    cases = Arrays.asList(args[++i].split(","));
                    break;
                case "--only":
                    only = Arrays.asList(args[++i].split(","));
                    break;
                default:
                    out = args[i];
            }
        }
        long start = System.nanoTime();
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "ResNet50 %d px, VGG16 %d px, %d classes; %d warm-up iterations, %d interleaved rounds%n%n",
                RESNET_PX,
                VGG_PX,
                CLASSES,
                warmup,
                rounds));
        md.append("| case | optimizer | median ratio to Adam | min–max over rounds | median CPU-time ratio |"
                + " ms/iteration (median) | NS GFLOP/iteration |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String name : cases) {
            Case c = named(name);
            if (only != null) {
                List<String> keep = only;
                c.contenders.removeIf(k -> !k.name.equals(BenchOptimizers.BASELINE) && !keep.contains(k.name));
            }
            md.append(run(c, warmup, rounds));
            System.out.println(md);
        }
        md.append(String.format(Locale.ROOT, "%nWall time %.1f min%n", (System.nanoTime() - start) / 60e9));
        Path dir = Paths.get(out);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("zoo-cost.md"), md.toString(), StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(md);
        System.out.println("Wrote " + dir.resolve("zoo-cost.md"));
    }

    /** Runs one case; returns its table rows. */
    static String run(Case c, int warmup, int rounds) {
        DataSet ds = c.data();
        Map<Contender, ComputationGraph> nets = new LinkedHashMap<>();
        Map<Contender, String> failed = new LinkedHashMap<>();
        for (Contender k : c.contenders) {
            ComputationGraphConfiguration conf = Optimizers.prepare(c.conf(k.updater.get()));
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            if (k.name.equals("dropmuon")) net.setListeners(new DropMuonBackprop());
            nets.put(k, net);
        }
        for (Map.Entry<Contender, ComputationGraph> e : nets.entrySet()) {
            try {
                for (int i = 0; i < warmup * e.getKey().iterationsMultiple; i++) fit(e.getValue(), ds);
            } catch (RuntimeException ex) {
                failed.put(e.getKey(), ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
            log(c.name + " warm-up " + e.getKey().name + (failed.containsKey(e.getKey()) ? " FAILED" : " done"));
        }
        Contender base = c.contenders.get(0);
        Map<Contender, List<Double>> ms = new LinkedHashMap<>();
        Map<Contender, List<Double>> ratios = new LinkedHashMap<>();
        Map<Contender, List<Double>> cpuRatios = new LinkedHashMap<>();
        for (Contender k : c.contenders) {
            ms.put(k, new ArrayList<>());
            ratios.put(k, new ArrayList<>());
            cpuRatios.put(k, new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            double[] before = time(nets.get(base), ds, 1);
            ms.get(base).add(before[0]);
            for (Contender k : c.contenders.subList(1, c.contenders.size())) {
                if (failed.containsKey(k)) continue;
                double[] t;
                try {
                    t = time(nets.get(k), ds, k.iterationsMultiple);
                } catch (RuntimeException ex) {
                    failed.put(k, ex.getClass().getSimpleName() + ": " + ex.getMessage());
                    continue;
                }
                double[] after = time(nets.get(base), ds, 1);
                ms.get(base).add(after[0]);
                ms.get(k).add(t[0]);
                double ratio = t[0] / ((before[0] + after[0]) / 2);
                double cpuRatio = t[1] / ((before[1] + after[1]) / 2);
                ratios.get(k).add(ratio);
                cpuRatios.get(k).add(cpuRatio);
                log(String.format(
                        Locale.ROOT,
                        "%s round %d %s %.0f ms (%.2fx Adam), CPU time %.0f ms (%.2fx Adam)",
                        c.name,
                        r + 1,
                        k.name,
                        t[0],
                        ratio,
                        t[1],
                        cpuRatio));
                before = after;
            }
        }
        StringBuilder rows = new StringBuilder();
        for (Contender k : c.contenders) {
            String flops = nsGflop(nets.get(k));
            if (failed.containsKey(k)) {
                rows.append(String.format(
                        Locale.ROOT, "| %s | %s | failed: %s | | | | %s |%n", c.name, k.name, failed.get(k), flops));
                continue;
            }
            List<Double> q = ratios.get(k);
            String ratio = k == base ? "1" : String.format(Locale.ROOT, "%.2f", median(q));
            String cpu = k == base ? "1" : String.format(Locale.ROOT, "%.2f", median(cpuRatios.get(k)));
            String spread = k == base
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "%.2f–%.2f",
                            q.stream().min(Double::compare).get(),
                            q.stream().max(Double::compare).get());
            rows.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %.0f | %s |%n",
                    c.name,
                    k.name,
                    ratio,
                    spread,
                    cpu,
                    median(ms.get(k)),
                    flops));
        }
        nets.clear();
        System.gc();
        return rows.toString();
    }

    static void fit(ComputationGraph net, DataSet ds) {
        net.fit(ds);
        Nd4j.getExecutioner().commit();
        if (!Double.isFinite(net.score())) throw new IllegalStateException("non-finite loss " + net.score());
    }

    /**
     * Wall-clock and process CPU milliseconds per iteration (all threads, OpenBLAS's included), averaged over
     * {@code n} consecutive iterations. CPU time is the robust one on a shared machine: other processes stretch the
     * wall clock, not this process's CPU time.
     */
    static double[] time(ComputationGraph net, DataSet ds, int n) {
        long c0 = CPU.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) fit(net, ds);
        return new double[] {(System.nanoTime() - t0) / 1e6 / n, (CPU.getProcessCpuTime() - c0) / 1e6 / n};
    }

    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * Newton-Schulz flops of one iteration, in GFLOP: per matrix-rule parameter ({@code r x c}, {@code r} the small
     * side) {@code k (4 r^2 c + 2 r^3)} for {@code k} steps ({@code X X^T}, {@code A^2}, {@code B X}); empty for
     * optimizers without Newton-Schulz. Drop-Muon's expected share of updated layers is not applied.
     */
    static String nsGflop(ComputationGraph net) {
        double flops = 0;
        boolean any = false;
        for (GraphVertex v : net.getConfiguration().getVertices().values()) {
            if (!(v instanceof LayerVertex)) continue;
            Layer l = ((LayerVertex) v).getLayerConf().getLayer();
            if (!(l instanceof BaseLayer)) continue;
            IUpdater u = ((BaseLayer) l).getIUpdater();
            if (!(u instanceof ShapeAwareUpdater)) continue;
            ShapeAwareUpdater s = (ShapeAwareUpdater) u;
            IUpdater rule = s instanceof Lanton ? ((Lanton) s).base() : s; // LANTON orthogonalizes with its base's NS
            int steps;
            if (rule instanceof AbstractMuon) steps = ((AbstractMuon) rule).nsSteps();
            else if (rule instanceof Fismo) steps = ((Fismo) rule).nsSteps();
            else continue;
            for (ParamLayout p : s.requireLayout().params()) {
                if (!s.usesMatrixRule(p)) continue;
                double r = Math.min(p.rows(), p.cols());
                double cols = Math.max(p.rows(), p.cols());
                flops += steps * (4 * r * r * cols + 2 * r * r * r);
                any = true;
            }
        }
        return any ? String.format(Locale.ROOT, "%.1f", flops / 1e9) : "";
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (a.length == 0) return Double.NaN;
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static void log(String s) {
        System.err.println(s);
    }
}
