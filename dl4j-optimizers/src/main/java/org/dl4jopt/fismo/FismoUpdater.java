package org.dl4jopt.fismo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dl4jopt.core.Kernels;
import org.dl4jopt.core.RuleFailureException;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.core.StateSpec;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.NewtonSchulz;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

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
        INDArray gm = matrixView(index, p, g);
        long m = gm.rows();
        long n = gm.columns();
        boolean left = config.preconditions(m);
        boolean right = config.preconditions(n);
        boolean raw = config.factorMode() == FactorMode.RAW_SCALE;
        Work w = work(m, n, g.dataType());
        Pieces st = stateViews(index, state, s -> new Pieces(config.matrixState(p), s, m, n, left, right, raw));
        INDArray qInvSqrt = st.qInvSqrt;
        INDArray qInv = st.qInv;
        INDArray pInvSqrt = st.pInvSqrt;
        INDArray pInv = st.pInv;
        double t = st.t.getDouble(0) + 1; // O(1) host read per matrix and step
        st.t.putScalar(0, t);
        boolean first = t == 1;
        boolean refresh = first || ((long) t) % config.rootEvery() == 0;
        if (first && right) { // Q^-1 = I before the first refresh
            st.qInvFlat.assign(w.eyeN);
            st.qInvSqrtFlat.assign(w.eyeN);
        }
        Failure where = new Failure(p, iteration);
        // RAW_SCALE forms the statistics from G / max|G| (entries in [-1, 1]: no overflow or underflow in any data
        // type) and carries the scale 2 log max|G| in double; LITERAL uses G itself, as the transcribed algorithm
        INDArray gs = gm;
        double logG2 = 0;
        if (raw) {
            double gMax = Kernels.maxAbs(g); // O(1) host read
            logG2 = gMax > 0 ? 2 * Math.log(gMax) : Double.NEGATIVE_INFINITY;
            if (gMax > 0) gs = w.gs.assign(gm).muli(1.0 / gMax);
        }
        if (left) { // A = (1/n) G Q^-1 G^T, previous Q (Gauss-Seidel)
            Nd4j.gemm(right(gs, qInv, w.mn), gs, w.mm, false, true, 1.0 / n, 0.0);
            boolean changed =
                    factor(w.mmFlat, st.sp, st.logP, logG2, w.pmFlat, w.eyeM, w.tmpM, first, where.side("P", st.sp));
            if (refresh && (changed || first || config.rootEvery() > 1)) w.rootsM.compute(w.pm, pInv, pInvSqrt);
        }
        if (right) { // B = (1/m) G^T P^-1 G, new P
            Nd4j.gemm(gs, left(pInv, gs, w.mn), w.nn, true, false, 1.0 / m, 0.0);
            boolean changed =
                    factor(w.nnFlat, st.sq, st.logQ, logG2, w.pnFlat, w.eyeN, w.tmpN, first, where.side("Q", st.sq));
            if (refresh && (changed || first || config.rootEvery() > 1)) w.rootsN.compute(w.pn, qInv, qInvSqrt);
        }
        // whitened momentum: M = beta M + (1-beta) P^-1/2 G Q^-1/2
        INDArray whitened = right(left(pInvSqrt, gm, w.mn), qInvSqrt, w.mn2);
        st.momFlat.muli(config.momentum());
        Nd4j.exec(new Axpy(w.flat(whitened, gm, g), st.momFlat, st.momFlat, 1 - config.momentum()));
        // O = NS(M); step = P^-1/2 O Q^-1/2
        w.o.assign(st.mom);
        ns.orthogonalizeInPlace(w.o, 1.0);
        INDArray step = right(left(pInvSqrt, w.o, w.mn), qInvSqrt, w.mn2);
        INDArray stepFlat = w.flat(step, gm, g);
        double alpha = lr * scales[index];
        if (config.graft()) {
            alpha *= Math.sqrt(Kernels.sumOfSquares(w.oFlat) / Math.max(Kernels.sumOfSquares(stepFlat), 1e-60));
        }
        // the rule's own guard, before the update reaches the gradient buffer (and so the weights)
        if (Kernels.hasNonFinite(stepFlat) || !Double.isFinite(alpha)) {
            throw where.stepFailure(alpha, pInv, pInvSqrt, qInv, qInvSqrt, st.mom);
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
     * Updates a factor's statistic {@code s} from the data term {@code a} and writes the damped, trace-normalized
     * factor into {@code out} (trace {@code k}, the factor whose roots are taken).
     *
     * <p>RAW_SCALE keeps the statistic scale-free: {@code s} is the EMA of the data terms divided by its mean
     * eigenvalue (trace {@code k}), {@code logScale} the log of that mean eigenvalue, in the state array's type but
     * computed in double. The data term enters with the weights the EMA at the gradient's scale would give it (its
     * mean eigenvalue {@code e^(logG2) tr(a)/k} against {@code gamma e^logScale}), its mean eigenvalue clipped at
     * {@code factorSpikeClip} times the EMA's. The factor is {@code (s + mu tr(s)/k I) k / ((1 + mu) tr(s))}: damped
     * relative to the statistic it damps, at the same step, so its eigenvalues are at least {@code mu / (1 + mu)}.
     * A zero gradient leaves the shape as it is and decays the scale; nothing tends to 0 or infinity.
     *
     * <p>LITERAL is the transcribed recursion: {@code s} holds the previous normalized factor {@code P_(t-1)} (the
     * identity before the first step), {@code L = a + mu tr(P_(t-1))/k I}, {@code P = sym(k P~ / tr P~)} with
     * {@code P~ = gamma P_(t-1) + (1-gamma) L}.
     *
     * @return false if the factor is the one of the previous step (RAW_SCALE, zero gradient): with roots refreshed
     *     every step they are still those of this factor, and the eigendecomposition is skipped
     */
    private boolean factor(
            INDArray aFlat,
            Side s,
            INDArray logScale,
            double logG2,
            INDArray outFlat,
            INDArray eyeFlat,
            INDArray tmp,
            boolean first,
            Failure where) {
        long k = tmp.rows();
        double gamma = config.factorEma();
        double mu = config.damping();
        INDArray sFlat = s.flat;
        if (first) sFlat.assign(eyeFlat);
        if (config.factorMode() == FactorMode.RAW_SCALE) {
            if (first) logScale.putScalar(0, EMPTY);
            double trA = trace(aFlat, eyeFlat); // O(1) host reads: traces and the scale
            double ell = logScale.getDouble(0);
            double logA = trA > 0 ? logG2 + Math.log(trA / k) : Double.NEGATIVE_INFINITY;
            if (!Double.isFinite(ell) || !Double.isFinite(trA)) throw where.factorFailure(trA, ell);
            double wOld;
            double wNew;
            double ellNew;
            if (logA == Double.NEGATIVE_INFINITY) { // no data: the shape stays, the scale decays
                wOld = 1;
                wNew = 0;
                ellNew = ell + Math.log(gamma);
            } else if (ell <= EMPTY) { // no history yet (or none left): the data term is the statistic
                wOld = 0;
                wNew = 1;
                ellNew = logA;
            } else { // log-sum-exp of gamma e^ell and (1-gamma) e^min(logA, ell + log clip)
                double x = ell + Math.log(gamma);
                double y = Math.log1p(-gamma) + Math.min(logA, ell + Math.log(config.factorSpikeClip()));
                ellNew = Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y)));
                wOld = Math.exp(x - ellNew);
                wNew = Math.exp(y - ellNew);
            }
            logScale.putScalar(0, Math.max(ellNew, EMPTY));
            if (wNew > 0) { // s = wOld s + wNew (k / tr a) a: a convex combination of trace-k matrices
                sFlat.muli(wOld);
                Nd4j.exec(new Axpy(aFlat, sFlat, sFlat, wNew * k / trA));
                s.symmetrize(tmp);
            }
            double trS = trace(sFlat, eyeFlat);
            if (!(trS > 0) || !Double.isFinite(trS)) throw where.factorFailure(trS, ell);
            outFlat.assign(sFlat);
            Nd4j.exec(new Axpy(eyeFlat, outFlat, outFlat, mu * trS / k));
            outFlat.muli(k / ((1 + mu) * trS));
            return wNew > 0;
        } else {
            double trPrev = trace(sFlat, eyeFlat);
            Nd4j.exec(new Axpy(eyeFlat, aFlat, aFlat, mu * trPrev / k)); // L = A + mu tr(P_(t-1))/k I
            sFlat.muli(gamma);
            Nd4j.exec(new Axpy(aFlat, sFlat, sFlat, 1 - gamma));
            double trTilde = trace(sFlat, eyeFlat);
            if (!(trTilde > 0) || !Double.isFinite(trTilde)) throw where.factorFailure(trTilde, Double.NaN);
            sFlat.muli(k / trTilde);
            s.symmetrize(tmp);
            outFlat.assign(sFlat);
            return true;
        }
    }

    /** Log mean eigenvalue that marks a RAW_SCALE statistic without history (e^-10000 is 0 in double). */
    static final double EMPTY = -1e4;

    /** Names what failed, for the {@link RuleFailureException} (FISMO's factors, not the data). */
    private final class Failure {
        private final ParamLayout p;
        private final int iteration;
        private String factor;
        private Side statistic;

        Failure(ParamLayout p, int iteration) {
            this.p = p;
            this.iteration = iteration;
        }

        Failure side(String name, Side stat) {
            factor = name;
            statistic = stat;
            return this;
        }

        private String where() {
            return " of layer '" + layout.layerName() + "' parameter '" + p.key() + "' at iteration " + iteration;
        }

        RuntimeException factorFailure(double trace, double logScale) {
            return new RuleFailureException("FISMO's factor " + factor + where() + " became non-finite (trace of its "
                    + "statistic " + trace + (Double.isNaN(logScale) ? "" : ", log scale " + logScale)
                    + ", " + nonFiniteCount(statistic.matrix)
                    + " non-finite entries); the gradient was finite, so this is a "
                    + "failure of the optimizer's state, not of the data. The weights were not changed.");
        }

        RuntimeException stepFailure(double alpha, INDArray... pieces) {
            String[] names = {"P^-1", "P^-1/2", "Q^-1", "Q^-1/2", "momentum M"};
            StringBuilder bad = new StringBuilder();
            for (int i = 0; i < pieces.length; i++) {
                if (pieces[i] != null && nonFiniteCount(pieces[i]) > 0) {
                    bad.append(bad.length() == 0 ? "" : ", ").append(names[i]);
                }
            }
            return new RuleFailureException("FISMO's update" + where() + " became non-finite (non-finite: "
                    + (bad.length() == 0 ? "the Newton-Schulz output" : bad)
                    + (Double.isFinite(alpha) ? "" : ", step " + "scale " + alpha)
                    + "); the gradient was finite, so this is a failure of the optimizer's "
                    + "factors or momentum, not of the data. The weights were not changed.");
        }
    }

    private static double trace(INDArray flat, INDArray eyeFlat) {
        return Kernels.dot(flat, eyeFlat);
    }

    /** Number of NaN/Inf entries of {@code a} (for failure messages only: ND4J's match-condition count). */
    private static long nonFiniteCount(INDArray a) {
        return Nd4j.getExecutioner()
                .exec(new MatchCondition(a, Conditions.notFinite()))
                .getLong(0);
    }

    /** A factor statistic's state piece as a {@code k x k} matrix, its flat view and its transpose view. */
    private static final class Side {
        final INDArray matrix;
        final INDArray flat;
        final INDArray transposed;

        Side(INDArray piece, long k) {
            flat = piece;
            matrix = piece.reshape('c', k, k);
            transposed = matrix.transpose();
        }

        /** {@code x = (x + x^T) / 2}, through a separate buffer (never add an array to its own transpose view). */
        void symmetrize(INDArray tmp) {
            tmp.assign(transposed);
            matrix.addi(tmp).muli(0.5);
        }
    }

    /** One matrix's state pieces as views of its state slice (made once per state array; null for an identity side). */
    private static final class Pieces {
        final INDArray mom;
        final INDArray momFlat;
        final Side sp;
        final Side sq;
        final INDArray pInvSqrt;
        final INDArray pInv;
        final INDArray qInvSqrt;
        final INDArray qInvSqrtFlat;
        final INDArray qInv;
        final INDArray qInvFlat;
        final INDArray logP;
        final INDArray logQ;
        final INDArray t;

        Pieces(StateSpec spec, INDArray state, long m, long n, boolean left, boolean right, boolean raw) {
            momFlat = spec.view(state, "M");
            mom = momFlat.reshape('c', m, n);
            sp = left ? new Side(spec.view(state, "Sp"), m) : null;
            sq = right ? new Side(spec.view(state, "Sq"), n) : null;
            pInvSqrt = left ? square(spec, state, "PInvSqrt", m) : null;
            pInv = left ? square(spec, state, "PInv", m) : null;
            qInvSqrtFlat = right ? spec.view(state, "QInvSqrt") : null;
            qInvSqrt = right ? qInvSqrtFlat.reshape('c', n, n) : null;
            qInvFlat = right ? spec.view(state, "QInv") : null;
            qInv = right ? qInvFlat.reshape('c', n, n) : null;
            logP = raw && left ? spec.view(state, "logScaleP") : null;
            logQ = raw && right ? spec.view(state, "logScaleQ") : null;
            t = spec.view(state, "t");
        }

        private static INDArray square(StateSpec spec, INDArray state, String name, long k) {
            return spec.view(state, name).reshape('c', k, k);
        }
    }

    private Work work(long m, long n, DataType type) {
        return work.computeIfAbsent(
                m + "x" + n + ":" + type,
                k -> new Work(m, n, type, config.rootFloor(), config.preconditions(m), config.preconditions(n)));
    }

    /** Reusable buffers for one {@code m x n} shape. */
    private static final class Work {
        final INDArray mn;
        final INDArray gs;
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
        final INDArray mnFlat;
        final INDArray mn2Flat;
        final INDArray oFlat;
        final INDArray mmFlat;
        final INDArray nnFlat;
        final INDArray pmFlat;
        final INDArray pnFlat;

        @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
        Work(long m, long n, DataType type, double floor, boolean left, boolean right) {
            long a = left ? m : 1;
            long b = right ? n : 1;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                mn = Nd4j.create(type, m, n);
                gs = Nd4j.create(type, m, n);
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
            mnFlat = mn.reshape(mn.length());
            mn2Flat = mn2.reshape(mn2.length());
            oFlat = o.reshape(o.length());
            mmFlat = mm.reshape(mm.length());
            nnFlat = nn.reshape(nn.length());
            pmFlat = pm.reshape(pm.length());
            pnFlat = pn.reshape(pn.length());
        }

        /** The flat view of {@code x}: one of this shape's buffers, or {@code gm} (whose flat view is {@code g}). */
        INDArray flat(INDArray x, INDArray gm, INDArray g) {
            if (x == gm) return g;
            if (x == mn) return mnFlat;
            if (x == mn2) return mn2Flat;
            if (x == o) return oFlat;
            throw new IllegalStateException("not a buffer of this shape");
        }
    }
}
