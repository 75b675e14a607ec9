package org.dl4jopt.core;

import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Views derived from an array, one per parameter index, made again only when they are asked of a different array
 * object. Making an ND4J view costs about as much as a small op (shape buffers), so the hot path makes none when DL4J
 * hands the same gradient and state arrays again, which it does every iteration.
 */
final class ViewCache {
    private final INDArray[] owners;
    private final Object[] values;

    ViewCache(int size) {
        owners = new INDArray[size];
        values = new Object[size];
    }

    @SuppressWarnings("unchecked")
    <V> V get(int index, INDArray owner, Function<INDArray, V> make) {
        if (owners[index] != owner) {
            values[index] = make.apply(owner);
            owners[index] = owner;
        }
        return (V) values[index];
    }
}
