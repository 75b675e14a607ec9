package org.dl4jopt.layout;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Layout of one parameter inside an updater block: its key, role, full shape, memory order, and the 2-D matrix view
 * a matrix optimizer works on. {@code rows x cols} is the matrix as stored (read with {@link #order()} from the
 * parameter's flat segment); {@code fanIn}/{@code fanOut} give its orientation as a linear map, used only by shape
 * scale factors. DL4J dense weights are {@code [nIn, nOut]} in 'f' order, so there rows = fanIn; conv kernels are
 * {@code [nOut, nIn, kH, kW]} in 'c' order, flattened to {@code [nOut, nIn*kH*kW]}, so rows = fanOut.
 */
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ParamLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final ParamRole role;
    private final long[] shape;
    private final char order;
    private final long rows;
    private final long cols;
    private final long fanIn;
    private final long fanOut;

    @JsonCreator
    public ParamLayout(
            @JsonProperty("key") String key,
            @JsonProperty("role") ParamRole role,
            @JsonProperty("shape") long[] shape,
            @JsonProperty("order") char order,
            @JsonProperty("rows") long rows,
            @JsonProperty("cols") long cols,
            @JsonProperty("fanIn") long fanIn,
            @JsonProperty("fanOut") long fanOut) {
        this.key = Objects.requireNonNull(key, "key");
        this.role = Objects.requireNonNull(role, "role");
        this.shape = shape.clone();
        this.order = order;
        this.rows = rows;
        this.cols = cols;
        this.fanIn = fanIn;
        this.fanOut = fanOut;
        if (rows * cols != length()) {
            throw new IllegalArgumentException("Parameter '" + key + "': matrix view " + rows + "x" + cols
                    + " does not cover its shape " + Arrays.toString(shape));
        }
    }

    public String key() {
        return key;
    }

    public ParamRole role() {
        return role;
    }

    public long[] shape() {
        return shape.clone();
    }

    /**
     * This parameter's contiguous flat segment {@code flat} as a contiguous 'c' matrix: {@code rows x cols} for 'c'
     * order, its transpose ({@code cols x rows}) for 'f'. A view: writes land in {@code flat}. (The matrix rules are
     * invariant under transposition, {@code NS(G^T) = NS(G)^T}, so they work on this view.)
     */
    public INDArray cView(INDArray flat) {
        return order == 'f' ? flat.reshape('c', cols, rows) : flat.reshape('c', rows, cols);
    }

    public char order() {
        return order;
    }

    public long rows() {
        return rows;
    }

    public long cols() {
        return cols;
    }

    public long fanIn() {
        return fanIn;
    }

    public long fanOut() {
        return fanOut;
    }

    /**
     * {@code kH/kW} of a convolution kernel, for Keller Jordan's conv scale: its last two dimensions, except for a
     * kernel stored channels-last ({@code [kD, kH, kW, nOut, nIn]}, Deconvolution3D), whose view keeps the last
     * dimension as its columns.
     */
    public double kernelAspect() {
        int n = shape.length;
        if (n >= 5 && cols == shape[n - 1] && rows != shape[0]) return (double) shape[n - 4] / shape[n - 3];
        return (double) shape[n - 2] / shape[n - 1];
    }

    /** Number of elements. */
    public long length() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof ParamLayout)) return false;
        ParamLayout p = (ParamLayout) o;
        return order == p.order
                && rows == p.rows
                && cols == p.cols
                && fanIn == p.fanIn
                && fanOut == p.fanOut
                && key.equals(p.key)
                && role == p.role
                && Arrays.equals(shape, p.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, role, Arrays.hashCode(shape), order, rows, cols, fanIn, fanOut);
    }

    @Override
    public String toString() {
        return key + Arrays.toString(shape) + "'" + order + "' " + role;
    }
}
