package org.dl4jopt.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The optimizer state of one parameter, declared once by name (as DL4J's {@code Adam} names {@code M} and {@code V}):
 * pieces laid out one after the other in the parameter's state slice. The state size DL4J allocates, the updater's
 * views and {@code getState()} all derive from this declaration.
 */
public final class StateSpec {
    private final Map<String, long[]> pieces; // name -> {offset, length}
    private final long size;

    private StateSpec(Map<String, long[]> pieces, long size) {
        this.pieces = pieces;
        this.size = size;
    }

    /** A declaration with the given pieces in order: {@code of("M", n)}, {@code of("t", 1, "d", n)}. */
    public static StateSpec of(Object... nameLengthPairs) {
        if (nameLengthPairs.length % 2 != 0) throw new IllegalArgumentException("name/length pairs expected");
        Map<String, long[]> p = new LinkedHashMap<>();
        long off = 0;
        for (int i = 0; i < nameLengthPairs.length; i += 2) {
            String name = (String) nameLengthPairs[i];
            long len = ((Number) nameLengthPairs[i + 1]).longValue();
            if (len < 0 || p.put(name, new long[] {off, len}) != null) {
                throw new IllegalArgumentException("state piece '" + name + "': duplicate or negative length");
            }
            off += len;
        }
        return new StateSpec(p, off);
    }

    /** This declaration followed by another's pieces (names must differ). */
    public StateSpec then(StateSpec more) {
        List<Object> pairs = new ArrayList<>();
        for (Map.Entry<String, long[]> e : pieces.entrySet()) Collections.addAll(pairs, e.getKey(), e.getValue()[1]);
        for (Map.Entry<String, long[]> e : more.pieces.entrySet())
            Collections.addAll(pairs, e.getKey(), e.getValue()[1]);
        return of(pairs.toArray());
    }

    /** Total number of state elements. */
    public long size() {
        return size;
    }

    public boolean has(String name) {
        return pieces.containsKey(name);
    }

    public List<String> names() {
        return new ArrayList<>(pieces.keySet());
    }

    public long offset(String name) {
        return piece(name)[0];
    }

    public long length(String name) {
        return piece(name)[1];
    }

    /** The named piece of a parameter's state slice (a view). */
    public INDArray view(INDArray slice, String name) {
        long[] p = piece(name);
        return slice.get(NDArrayIndex.interval(p[0], p[0] + p[1]));
    }

    private long[] piece(String name) {
        long[] p = pieces.get(name);
        if (p == null) throw new IllegalArgumentException("no state piece '" + name + "' in " + pieces.keySet());
        return p;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (Map.Entry<String, long[]> e : pieces.entrySet()) {
            if (b.length() > 1) b.append(" | ");
            b.append(e.getKey()).append(' ').append(e.getValue()[1]);
        }
        return b.append(']').toString();
    }
}
