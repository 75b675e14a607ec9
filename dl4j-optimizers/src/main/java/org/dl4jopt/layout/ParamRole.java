package org.dl4jopt.layout;

/**
 * What a parameter is for, as far as a shape-aware optimizer cares. Written by {@link org.dl4jopt.Optimizers#prepare}
 * from the layer type and the layer's {@code ParamInitializer}; each optimizer decides per role whether it applies its
 * matrix rule or its element-wise fallback.
 */
public enum ParamRole {
    /** Weight matrix of a hidden layer (dense, recurrent, attention projections). */
    HIDDEN_MATRIX,
    /** Convolution kernel of any layer but the first convolution of the network. */
    CONV_KERNEL,
    /** Convolution kernel of the first convolution layer (Muon README: not orthogonalized by default). */
    INPUT_CONV_KERNEL,
    /** Weight of an embedding layer (a lookup table, not a linear map between hidden spaces). */
    EMBEDDING,
    /** Weight of the output (classifier/head) layer. */
    OUTPUT_HEAD,
    /** Biases, normalization gains and shifts, and any weight with fewer than two non-trivial dimensions. */
    VECTOR;

    /** True for roles that are linear maps between hidden spaces (the ones matrix optimizers act on by default). */
    public boolean isHiddenMatrix() {
        return this == HIDDEN_MATRIX || this == CONV_KERNEL;
    }
}
