package org.dl4jopt.fismo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dl4jopt.core.Kernels;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.NewtonSchulz;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The update rule of {@link Fismo} (spec section 1.3), per matrix in its 'c' view {@code G (m x n)}. State slice
 * layout: {@code M (m n) | Sp (m^2) | Sq (n^2) | P^-1/2 | P^-1 (m^2 each) | Q^-1/2 | Q^-1 (n^2 each) | t}, without
 * the parts of a side that keeps the identity factor. The statistics live in the network's data type (the state
 * array); eigendecompositions run in double.
 */
public class FismoUpdater extends ShapeAwareGradientUpdater<Fismo> {
    private final NewtonSchulz ns;
    private final double[] scales;
    private final Map<String, Work> work = new HashMap<>();

    public FismoUpdater(Fismo config) {
        super(config);
        ns = new NewtonSchulz(config.nsCoefficients(), config.nsSteps(), config.nsEpsilon());
        List<ParamLayout> params = layout.params();
        scales = new double[params.size()];
        for (int i = 0; i < scales.length; i++) scales[i] = config.shapeScale().factor(params.get(i), false);
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        INDArray gm = NewtonSchulz.cView(g, p.order(), p.rows(), p.cols());
        long m = gm.rows();
        long n = gm.columns();
        boolean left = config.preconditions(m);
        boolean right = config.preconditions(n);
        Work w = work(m, n, g.dataType());
        StateSpec spec = config.matrixState(p);
        INDArray mom = square(spec, state, "M", m, n);
        INDArray sp = left ? square(spec, state, "Sp", m, m) : null;
        INDArray sq = right ? square(spec, state, "Sq", n, n) : null;
        INDArray pInvSqrt = left ? square(spec, state, "PInvSqrt", m, m) : null;
        INDArray pInv = left ? square(spec, state, "PInv", m, m) : null;
        INDArray qInvSqrt = right ? square(spec, state, "QInvSqrt", n, n) : null;
        INDArray qInv = right ? square(spec, state, "QInv", n, n) : null;
        INDArray tSlot = spec.view(state, "t");
        double t = tSlot.getDouble(0) + 1; // O(1) host read per matrix and step
        tSlot.assign(t);
        boolean first = t == 1;
        boolean refresh = first || ((long) t) % config.rootEvery() == 0;
        if (first && right) { // Q^-1 = I before the first refresh
            qInv.reshape(n * n).assign(w.eyeN);
            qInvSqrt.reshape(n * n).assign(w.eyeN);
        }
        if (left) { // A = (1/n) G Q^-1 G^T, previous Q (Gauss-Seidel)
            Nd4j.gemm(right(gm, qInv, w.mn), gm, w.mm, false, true, 1.0 / n, 0.0);
            factor(w.mm, sp, w.pm, w.eyeM, w.tmpM, first);
            if (refresh) w.rootsM.compute(w.pm, pInv, pInvSqrt);
        }
        if (right) { // B = (1/m) G^T P^-1 G, new P
            Nd4j.gemm(gm, left(pInv, gm, w.mn), w.nn, true, false, 1.0 / m, 0.0);
            factor(w.nn, sq, w.pn, w.eyeN, w.tmpN, first);
            if (refresh) w.rootsN.compute(w.pn, qInv, qInvSqrt);
        }
        // whitened momentum: M = beta M + (1-beta) P^-1/2 G Q^-1/2
        INDArray whitened = right(left(pInvSqrt, gm, w.mn), qInvSqrt, w.mn2);
        INDArray momFlat = mom.reshape(mom.length());
        momFlat.muli(config.momentum());
        Nd4j.exec(new Axpy(whitened.reshape(whitened.length()), momFlat, momFlat, 1 - config.momentum()));
        // O = NS(M); step = P^-1/2 O Q^-1/2
        w.o.assign(mom);
        ns.orthogonalizeInPlace(w.o, 1.0);
        INDArray step = right(left(pInvSqrt, w.o, w.mn), qInvSqrt, w.mn2);
        double alpha = lr * scales[index];
        if (config.graft()) {
            alpha *= Math.sqrt(Kernels.sumOfSquares(w.o.reshape(w.o.length()))
                    / Math.max(Kernels.sumOfSquares(step.reshape(step.length())), 1e-60));
        }
        gm.assign(step).muli(alpha);
    }

    /** {@code f x} into {@code out}, or {@code x} itself when the factor is the identity (null). */
    private static INDArray left(INDArray f, INDArray x, INDArray out) {
        if (f == null) return x;
        Nd4j.gemm(f, x, out, false, false, 1.0, 0.0);
        return out;
    }

    /** {@code x f} into {@code out}, or {@code x} itself when the factor is the identity (null). */
    private static INDArray right(INDArray x, INDArray f, INDArray out) {
        if (f == null) return x;
        Nd4j.gemm(x, f, out, false, false, 1.0, 0.0);
        return out;
    }

    /**
     * Updates a factor's statistic {@code s} from the data term {@code a} and writes the trace-normalized factor
     * into {@code out}: RAW_SCALE keeps the EMA at the gradient's scale with damping relative to its mean eigenvalue;
     * LITERAL keeps the normalized factor itself (identity before the first step).
     */
    private void factor(INDArray a, INDArray s, INDArray out, INDArray eyeFlat, INDArray tmp, boolean first) {
        long k = a.rows();
        double gamma = config.factorEma();
        INDArray aFlat = a.reshape(a.length());
        INDArray sFlat = s.reshape(s.length());
        if (config.factorMode() == FactorMode.RAW_SCALE) {
            double scale = first ? Math.max(trace(aFlat, eyeFlat) / k, 1e-30) : trace(sFlat, eyeFlat) / k;
            Nd4j.exec(new Axpy(eyeFlat, aFlat, aFlat, config.damping() * scale)); // L = A + mu*s*I
            if (first) sFlat.assign(aFlat);
            else {
                sFlat.muli(gamma);
                Nd4j.exec(new Axpy(aFlat, sFlat, sFlat, 1 - gamma));
            }
            symmetrize(s, tmp);
            out.assign(s).muli(k / trace(sFlat, eyeFlat));
        } else {
            Nd4j.exec(new Axpy(eyeFlat, aFlat, aFlat, config.damping())); // L = A + mu*I
            if (first) sFlat.assign(eyeFlat);
            sFlat.muli(gamma);
            Nd4j.exec(new Axpy(aFlat, sFlat, sFlat, 1 - gamma));
            sFlat.muli(k / trace(sFlat, eyeFlat));
            symmetrize(s, tmp);
            out.assign(s);
        }
    }

    private static double trace(INDArray flat, INDArray eyeFlat) {
        return Kernels.dot(flat, eyeFlat);
    }

    /** {@code x = (x + x^T) / 2}, through a separate buffer (never add an array to its own transpose view). */
    private static void symmetrize(INDArray x, INDArray tmp) {
        tmp.assign(x.transpose());
        x.addi(tmp).muli(0.5);
    }

    /** A named state piece as a {@code rows x cols} matrix ('c' order). */
    private static INDArray square(StateSpec spec, INDArray state, String name, long rows, long cols) {
        return spec.view(state, name).reshape('c', rows, cols);
    }

    private Work work(long m, long n, DataType type) {
        return work.computeIfAbsent(
                m + "x" + n + ":" + type,
                k -> new Work(m, n, type, config.eigenFloor(), config.preconditions(m), config.preconditions(n)));
    }

    /** Reusable buffers for one {@code m x n} shape. */
    private static final class Work {
        final INDArray mn;
        final INDArray mn2;
        final INDArray o;
        final INDArray mm;
        final INDArray nn;
        final INDArray pm;
        final INDArray pn;
        final INDArray tmpM;
        final INDArray tmpN;
        final INDArray eyeM;
        final INDArray eyeN;
        final SpdRoots rootsM;
        final SpdRoots rootsN;

        Work(long m, long n, DataType type, double floor, boolean left, boolean right) {
            long a = left ? m : 1;
            long b = right ? n : 1;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                mn = Nd4j.create(type, m, n);
                mn2 = Nd4j.create(type, m, n);
                o = Nd4j.create(type, m, n);
                mm = Nd4j.create(type, a, a);
                nn = Nd4j.create(type, b, b);
                pm = Nd4j.create(type, a, a);
                pn = Nd4j.create(type, b, b);
                tmpM = Nd4j.create(type, a, a);
                tmpN = Nd4j.create(type, b, b);
                eyeM = Nd4j.eye(a).castTo(type).reshape(a * a).dup();
                eyeN = Nd4j.eye(b).castTo(type).reshape(b * b).dup();
            }
            rootsM = left ? new SpdRoots(m, floor) : null;
            rootsN = right ? new SpdRoots(n, floor) : null;
        }
    }
}
