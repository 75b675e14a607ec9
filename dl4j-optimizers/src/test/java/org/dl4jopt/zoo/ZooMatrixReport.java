package org.dl4jopt.zoo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;
import org.dl4jopt.onebit.OneBitAdam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The measurement behind the zoo bounds and defaults (BENCHMARKS.md, "Zoo models"), not a check: prints, per zoo model
 * and optimizer (or candidate setting), the loss ratio of {@code zoo.seeds} noisy runs. Run it with
 * <pre>
 * ./mvnw -B -ntp -o -pl dl4j-optimizers -am test -Dtest=ZooMatrixReport -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dzoo.report=true [-Dzoo.nets=LENET,SIMPLE_CNN] [-Dzoo.opts=MUON,FISMO_GRAFT] [-Dzoo.seeds=3] [-Dzoo.updates=7]
 *     [-Dzoo.trajectory=true]
 *     [-Dzoo.refs=REF_CNN,REF_CNN_BN,REF_MLP -Dzoo.refFits=40 -Dzoo.refsOnly=true]
 * </pre>
 */
@EnabledIfSystemProperty(named = "zoo.report", matches = "true")
class ZooMatrixReport {
    /** Every default optimizer, DL4J Adam (ADAM*) as the reference, and the candidate settings measured. */
    static Map<String, Supplier<IUpdater>> configs() {
        Map<String, Supplier<IUpdater>> c = new LinkedHashMap<>();
        for (ZooOptimizer o : ZooOptimizer.values()) c.put(o.name(), o::config);
        c.put("FISMO_GRAFT", () -> Fismo.builder().graft(true).build());
        c.put("FISMO_LR_0.005", () -> Fismo.builder().learningRate(0.005).build());
        c.put("FISMO_NO_GRAFT", () -> Fismo.builder().graft(false).build());
        c.put("FISMO_DAMP_0.1", () -> Fismo.builder().damping(0.1).build());
        c.put(
                "FISMO_NO_GRAFT_DAMP_0.01",
                () -> Fismo.builder().graft(false).damping(0.01).build());
        c.put("FISMO_NO_GRAFT_DAMP_0.01_LR_0.02", () -> Fismo.builder()
                .graft(false)
                .damping(0.01)
                .learningRate(0.02)
                .build());
        c.put(
                "FISMO_NO_GRAFT_DAMP_0.1",
                () -> Fismo.builder().graft(false).damping(0.1).build());
        c.put("FISMO_ADAM_3E-4", () -> Fismo.builder().adamLearningRate(3e-4).build());
        c.put("LANTON_ADAM_3E-4", () -> Lanton.builder().adamLearningRate(3e-4).build());
        c.put("LANTON_OLD", () -> Lanton.builder()
                .learningRate(3e-3)
                .signLearningRate(3e-4)
                .adamLearningRate(3e-4)
                .build());
        c.put("LANTON_0.012", () -> Lanton.builder().learningRate(0.012).build());
        c.put("LANTON_NOSIGN", () -> Lanton.builder().signForEdges(false).build());
        c.put("LANTON_SIGN_3E-4", () -> Lanton.builder().signLearningRate(3e-4).build());
        c.put("ADAM", () -> new Adam(1e-3));
        c.put("ADAM_1E-4", () -> new Adam(1e-4));
        c.put("NESTEROVS_0.05", () -> new Nesterovs(0.05, 0.9));
        c.put("LANTON_R1", () -> Lanton.builder().rMin(1).build());
        c.put(
                "LANTON_R1_NOSIGN",
                () -> Lanton.builder().rMin(1).signForEdges(false).build());
        c.put("LANTON_R1_KELLER_NOSIGN_0.02", () -> Lanton.builder()
                .base(Muon.builder().build())
                .rMin(1)
                .signForEdges(false)
                .learningRate(0.02)
                .build());
        c.put("LANTON_0.024", () -> Lanton.builder().learningRate(0.024).build());
        c.put("LANTON_0.024_SIGN_3E-4", () -> Lanton.builder()
                .learningRate(0.024)
                .signLearningRate(3e-4)
                .build());
        c.put("MUON_MOONLIGHT_0.05", () -> Muon.builder()
                .shapeScale(ShapeScale.MOONLIGHT)
                .learningRate(0.05)
                .build());
        c.put("ADAM_3E-4", () -> new Adam(3e-4));
        c.put("ADAM_3E-3", () -> new Adam(3e-3));
        c.put("MUON_0.005", () -> Muon.builder().learningRate(0.005).build());
        c.put("MUON_0.002", () -> Muon.builder().learningRate(0.002).build());
        c.put("LANTON_0.01", () -> Lanton.builder().learningRate(0.01).build());
        c.put("LANTON_0.005", () -> Lanton.builder().learningRate(0.005).build());
        c.put(
                "LANTON_NOSIGN_0.01",
                () -> Lanton.builder().learningRate(0.01).signForEdges(false).build());
        c.put(
                "LANTON_NOSIGN_0.005",
                () -> Lanton.builder().learningRate(0.005).signForEdges(false).build());
        c.put("AM_SGD_0.3", () -> AdaptiveMemorySgd.builder().learningRate(0.3).build());
        c.put("AM_SGD_0.4", () -> AdaptiveMemorySgd.builder().learningRate(0.4).build());
        c.put(
                "AM_ADAMW_2E-3",
                () -> AdaptiveMemoryAdamW.builder().learningRate(2e-3).build());
        c.put(
                "AM_ADAMW_1E-3",
                () -> AdaptiveMemoryAdamW.builder().learningRate(1e-3).build());
        c.put("MUON_ADAM_3E-4", () -> Muon.builder().adamLearningRate(3e-4).build());
        c.put(
                "DROP_MUON_ADAM_3E-4",
                () -> DropMuon.builder().adamLearningRate(3e-4).build());
        c.put("MUON_ADAM_1E-3", () -> Muon.builder().adamLearningRate(1e-3).build());
        c.put(
                "DROP_MUON_ADAM_1E-3",
                () -> DropMuon.builder().adamLearningRate(1e-3).build());
        c.put("LANTON_ADAM_1E-3", () -> Lanton.builder().adamLearningRate(1e-3).build());
        c.put(
                "AM_SGD_0.05",
                () -> AdaptiveMemorySgd.builder().learningRate(0.05).build());
        c.put("AM_SGD_0.5", () -> AdaptiveMemorySgd.builder().learningRate(0.5).build());
        c.put("AM_SGD_0.1", () -> AdaptiveMemorySgd.builder().learningRate(0.1).build());
        c.put("AM_SGD_0.2", () -> AdaptiveMemorySgd.builder().learningRate(0.2).build());
        c.put("ONE_BIT_ADAM_FREEZE_3_TAU_0", () -> OneBitAdam.builder()
                .freezeStep(3)
                .momentumMaskThreshold(0)
                .build());
        c.put("ONE_BIT_ADAM_FREEZE_3_TAU_0.01", () -> OneBitAdam.builder()
                .freezeStep(3)
                .momentumMaskThreshold(0.01)
                .build());
        c.put("ONE_BIT_ADAM_FREEZE_3_BC", () -> OneBitAdam.builder()
                .freezeStep(3)
                .biasCorrection(true)
                .momentumMaskThreshold(0.01)
                .build());
        c.put("ONE_BIT_ADAM_FREEZE_3_BC_TAU_0", () -> OneBitAdam.builder()
                .freezeStep(3)
                .biasCorrection(true)
                .momentumMaskThreshold(0)
                .build());
        return c;
    }

    @Test
    void report() {
        List<ZooNet> nets = new ArrayList<>();
        for (String n : System.getProperty("zoo.nets", "").split(",")) if (!n.isEmpty()) nets.add(ZooNet.valueOf(n));
        if (nets.isEmpty()) nets.addAll(List.of(ZooNet.values()));
        Map<String, Supplier<IUpdater>> all = configs();
        List<String> opts = new ArrayList<>();
        for (String o : System.getProperty("zoo.opts", "").split(",")) if (!o.isEmpty()) opts.add(o);
        if (opts.isEmpty()) for (ZooOptimizer o : ZooOptimizer.values()) opts.add(o.name());
        int seeds = Integer.getInteger("zoo.seeds", 3);
        int updates = Integer.getInteger("zoo.updates", ZooTraining.UPDATES);
        for (String r : System.getProperty("zoo.refs", "").split(",")) {
            if (r.isEmpty()) continue;
            ReferenceNet ref = ReferenceNet.valueOf(r);
            int refFits = Integer.getInteger("zoo.refFits", 40);
            for (String o : opts) {
                StringBuilder line = new StringBuilder(String.format("REF %-20s %-30s", ref, o));
                for (int s = 0; s < seeds; s++) {
                    double[] l = ref.run(all.get(o).get(), 100 + s, refFits);
                    line.append(String.format(" | %.6g -> %.6g (x%.5g)", l[0], l[1], l[1] / l[0]));
                }
                System.out.println(line);
            }
        }
        if (Boolean.getBoolean("zoo.refsOnly")) return;
        for (ZooNet net : nets) {
            for (String o : opts) {
                boolean slow = net == ZooNet.TEXT_GENERATION_LSTM && o.startsWith("FISMO"); // ZooTraining.isHeavy
                if (slow && !Boolean.getBoolean("zoo.all")) continue;
                StringBuilder line = new StringBuilder(String.format("ZOO %-20s %-30s", net, o));
                for (int s = 0; s < seeds; s++) {
                    String r;
                    try {
                        ZooRun run = ZooRun.run(net, all.get(o).get(), 100 + s, updates);
                        r = run.toString();
                        if (Boolean.getBoolean("zoo.trajectory")) {
                            StringBuilder t = new StringBuilder(" scores");
                            for (double v : run.scores) t.append(String.format(" %.4g", v));
                            r += t;
                        }
                    } catch (RuntimeException e) {
                        r = "FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage();
                        r = r.length() > 200 ? r.substring(0, 200) : r;
                    }
                    line.append(" | ").append(r);
                }
                System.out.println(line);
            }
        }
    }
}
