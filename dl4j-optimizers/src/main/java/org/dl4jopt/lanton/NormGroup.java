package org.dl4jopt.lanton;

import org.dl4jopt.layout.ParamRole;

/** LANTON's norm groups (spec fismo-noise-adaptive.md section 2.2); rates are normalized within a group. */
public enum NormGroup {
    /** Hidden matrices and conv kernels: the base optimizer's spectral LMO; noise in the nuclear norm. */
    HIDDEN,
    /** Embedding, output head and first convolution: Signum; noise in the entry-wise l1 norm. */
    SIGN,
    /** Biases and norm parameters: AdamW, no noise scaling. */
    VECTOR;

    static NormGroup of(ParamRole role, boolean signForEdges) {
        switch (role) {
            case HIDDEN_MATRIX:
            case CONV_KERNEL:
                return HIDDEN;
            case EMBEDDING:
            case OUTPUT_HEAD:
            case INPUT_CONV_KERNEL:
                return signForEdges ? SIGN : VECTOR;
            default:
                return VECTOR;
        }
    }
}
