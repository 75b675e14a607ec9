package org.dl4jopt.lanton;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dl4jopt.core.BlockArrays;
import org.dl4jopt.core.CrossLayerRule;
import org.dl4jopt.core.ExactCounter;
import org.dl4jopt.core.Kernels;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.core.SplitScalar;
import org.dl4jopt.core.WorkBuffers;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LANTON's same-step noise statistics and group maxima (spec 2.2–2.5), computed by the network's leader before any
 * layer is updated: for every non-vector parameter of every LANTON layer, {@code D = G_t - G_{t-1}},
 * {@code H = beta2 H + (1-beta2) q^2} with {@code q = s ||D||_*} (HIDDEN) or {@code ||D||_1} (SIGN), then per group
 * {@code max alpha = max 1/sqrt(H + eps)} over the members observed so far. Slot 0: HIDDEN's maximum, slot 1: SIGN's
 * (0 when no member is observed yet).
 */
final class LantonNoise implements CrossLayerRule {
    private final Map<String, NuclearNorm> nuclear = new HashMap<>();
    private final WorkBuffers diff = new WorkBuffers();

    LantonNoise(List<ShapeAwareUpdater> members) {
        for (ShapeAwareUpdater m : members) {
            if (!(m instanceof Lanton)) throw new IllegalArgumentException("not a Lanton config: " + m);
        }
    }

    @Override
    public int slots() {
        return 2;
    }

    @Override
    public void compute(List<BlockArrays> members, double[] out, int iteration, int epoch) {
        for (BlockArrays b : members) {
            Lanton c = (Lanton) b.config();
            for (int i = 0; i < b.paramCount(); i++) {
                ParamLayout p = c.requireLayout().params().get(i);
                NormGroup group = c.group(p);
                if (group == NormGroup.VECTOR) continue;
                INDArray g = b.gradient(i);
                INDArray prev = b.state(i, "Gprev");
                double root = SplitScalar.read(b.state(i, "sqrtH"));
                double h = root * root;
                long nObs = ExactCounter.read(b.state(i, "nObs"));
                if (b.state(i, "seen").getDouble(0) > 0) {
                    INDArray d = diff.like(g).assign(g).subi(prev);
                    double q = group == NormGroup.HIDDEN
                            ? c.dualScale(p) * nuclear(p).ofFlat(d) // d in the order of p's 'c' view
                            : Kernels.norm1(d);
                    h = c.beta2() * h + (1 - c.beta2()) * q * q;
                    nObs += 1;
                    SplitScalar.write(b.state(i, "sqrtH"), Math.sqrt(h));
                    ExactCounter.write(b.state(i, "nObs"), nObs);
                }
                prev.assign(g);
                b.state(i, "seen").putScalar(0, 1.0);
                if (nObs >= 1) {
                    int slot = group == NormGroup.HIDDEN ? 0 : 1;
                    out[slot] = Math.max(out[slot], 1.0 / Math.sqrt(h + c.epsilon()));
                }
            }
        }
    }

    private NuclearNorm nuclear(ParamLayout p) {
        long m = p.order() == 'f' ? p.cols() : p.rows();
        long n = p.length() / m;
        return nuclear.computeIfAbsent(m + "x" + n, k -> new NuclearNorm(m, n));
    }
}
