package org.dl4jopt.muon;

import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;

/** How Muon scales the orthogonalized update {@code O} of a matrix (spec section 1.4). */
public enum ShapeScale {
    /**
     * Keller Jordan's {@code sqrt(max(1, fanOut/fanIn))} (RMS 1/sqrt(fanIn)): learning rates like 0.02. For conv
     * kernels it follows his code, {@code sqrt(max(1, kH/kW))}, which is 1 for square kernels, unless
     * {@code flattenedConvScale} asks for the flattened matrix's {@code sqrt(max(1, nOut/(nIn*kH*kW)))}.
     */
    KELLER,
    /**
     * Moonlight's {@code 0.2 * sqrt(max(rows, cols))} (update RMS 0.2, matching AdamW), so AdamW learning rates and
     * weight decay can be reused (arXiv 2502.16982, eq. 4).
     */
    MOONLIGHT,
    /**
     * Scion's RMS-to-RMS operator-norm radius {@code sqrt(fanOut/fanIn)}, without KELLER's floor at 1: below 1 for a
     * matrix with more inputs than outputs (Pethick et al., "Training Deep Learning Models with Norm-Constrained
     * LMOs", arXiv 2502.07529). LANTON's spec names it as the alternative to D-Muon's scale for its hidden group.
     */
    SCION,
    /** No scaling. */
    NONE;

    /** The factor {@code s(W)} for parameter {@code p}. */
    public double factor(ParamLayout p, boolean flattenedConvScale) {
        switch (this) {
            case KELLER:
                boolean conv = p.role() == ParamRole.CONV_KERNEL || p.role() == ParamRole.INPUT_CONV_KERNEL;
                long[] s = p.shape();
                if (conv && !flattenedConvScale && s.length >= 4) {
                    return Math.sqrt(Math.max(1.0, p.kernelAspect()));
                }
                return Math.sqrt(Math.max(1.0, (double) p.fanOut() / p.fanIn()));
            case MOONLIGHT:
                return 0.2 * Math.sqrt(Math.max(p.rows(), p.cols()));
            case SCION:
                return Math.sqrt((double) p.fanOut() / p.fanIn());
            case NONE:
                return 1.0;
            default:
                throw new IllegalStateException("Unknown shape scale " + this);
        }
    }
}
