package org.dl4jopt.am;

import org.dl4jopt.core.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The closed-form memory coefficient of the two-plane proximal model (spec B.1, B.2), accumulated over any set of
 * tensors (a tensor, a layer, the network) in double, shared by AM-SGD and AM-AdamW:
 * <pre>
 *   SGD:    beta = clip( ((1+lambda) r &lt;g,d&gt; - &lt;d-g, g+lambda d&gt;) / ||d-g||^2, 0, betaMax )
 *   AdamW:  beta = clip( (r &lt;g, d/P&gt; - sum M (d-g)(g+lambda P d)) / sum M (d-g)^2, 0, betaMax ),  M = 1/(P(1+lambda P))
 * </pre>
 * with {@code r = lr_{t-1}/lr_t} (0 when {@code lr_t = 0}). A zero or non-finite denominator gives beta = 0 (d = g:
 * every beta gives the same d), as the reference.
 */
final class AmBeta {
    private double num;
    private double den;

    void reset() {
        num = 0;
        den = 0;
    }

    /** Adds one tensor's sums for AM-SGD; {@code diff} is a work buffer of g's length. */
    void addSgd(INDArray g, INDArray d, INDArray diff, double lambda, double r) {
        diff.assign(d).subi(g);
        den += Kernels.dot(diff, diff);
        num += (1 + lambda) * r * Kernels.dot(g, d) - (Kernels.dot(diff, g) + lambda * Kernels.dot(diff, d));
    }

    /** Adds one tensor's sums for AM-AdamW with preconditioner {@code p}; {@code diff}, {@code m} are work buffers. */
    void addAdamW(INDArray g, INDArray d, INDArray p, INDArray diff, INDArray m, double lambda, double r) {
        diff.assign(d).subi(g); // d - g
        m.assign(p).muli(lambda).addi(1).muli(p).rdivi(1.0); // M = 1 / (P (1 + lambda P))
        m.muli(diff);
        den += Kernels.dot(m, diff); // sum M (d-g)^2
        double a = Kernels.dot(m, g);
        m.muli(p);
        double b = Kernels.dot(m, d);
        m.assign(d).divi(p);
        num += r * Kernels.dot(m, g) - (a + lambda * b); // gap - sum M (d-g)(g + lambda P d)
    }

    /** The clipped beta, or 0 for a zero or non-finite quotient. */
    double beta(double betaMax) {
        double q = num / den;
        return den > 0 && Double.isFinite(q) ? Math.min(Math.max(q, 0.0), betaMax) : 0.0;
    }

    /** {@code lr_{t-1} / lr_t}, with the gap term dropped when there is no previous step or the rate is 0. */
    static double rateRatio(double lrPrev, double lr, double t) {
        return lr > 0 && t > 1 ? lrPrev / lr : 0.0;
    }
}
