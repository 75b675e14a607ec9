package org.dl4jopt;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bit-exact comparison of arrays and of whole networks (every layer's parameters and the updater state), for checks
 * such as "a rejected step changed nothing". {@code INDArray.equals} compares with a tolerance and treats all NaNs
 * alike, so it cannot pin "unchanged"; these helpers compare the raw IEEE bits.
 */
public final class Bits {
    private Bits() {}

    /** Fails unless both arrays have the same data type, length and raw bits (flattened in c order). */
    public static void assertIdentical(String what, INDArray expected, INDArray actual) {
        String diff = difference(expected, actual);
        if (diff != null) fail(what + ": " + diff);
    }

    /** True if both arrays have the same data type, length and raw bits. */
    public static boolean identical(INDArray a, INDArray b) {
        return difference(a, b) == null;
    }

    /**
     * Fails unless both snapshots (see {@link #snapshot}) hold the same entries with identical bits; the message
     * lists every differing entry (e.g. "updater state of [layer0]") with its first differing element.
     */
    public static void assertIdentical(String what, Map<String, INDArray> expected, Map<String, INDArray> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            fail(what + ": snapshots hold different entries: " + expected.keySet() + " vs " + actual.keySet());
        }
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            String d = difference(e.getValue(), actual.get(e.getKey()));
            if (d != null) diffs.add(e.getKey() + " changed: " + d);
        }
        if (!diffs.isEmpty()) fail(what + ": " + String.join("; ", diffs));
    }

    /**
     * Copies of every layer's parameters ("params of layer0", ...), of each updater block's state
     * ("updater state of [layer0]", ...) and of the whole updater state view ("updater state (all)").
     */
    public static Map<String, INDArray> snapshot(MultiLayerNetwork net) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        for (Layer l : net.getLayers())
            s.put("params of " + l.conf().getLayer().getLayerName(), l.params().dup());
        s.put("params (all)", net.params().dup());
        addUpdater(s, net.getUpdater());
        return s;
    }

    /** As {@link #snapshot(MultiLayerNetwork)}, keyed by vertex name. */
    public static Map<String, INDArray> snapshot(ComputationGraph graph) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        for (Layer l : graph.getLayers())
            s.put("params of " + l.conf().getLayer().getLayerName(), l.params().dup());
        s.put("params (all)", graph.params().dup());
        addUpdater(s, graph.getUpdater());
        return s;
    }

    private static void addUpdater(Map<String, INDArray> s, Updater updater) {
        if (updater == null) throw new IllegalStateException("the network has no updater yet: fit it first");
        if (updater instanceof BaseMultiLayerUpdater) {
            for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks()) {
                if (b.getUpdaterView() == null) continue; // stateless block (e.g. NoOp)
                Set<String> layers = new LinkedHashSet<>();
                for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) layers.add(name(p.getLayer()));
                s.put("updater state of " + layers, b.getUpdaterView().dup());
            }
        }
        s.put("updater state (all)", updater.getStateViewArray().dup());
    }

    private static String name(Trainable t) {
        return t.getConfig().getLayerName();
    }

    private static String difference(INDArray e, INDArray a) {
        if (e == null || a == null) return e == a ? null : "expected " + e + " but was " + a;
        if (e.dataType() != a.dataType()) return "data type " + e.dataType() + " vs " + a.dataType();
        if (e.length() != a.length()) return "length " + e.length() + " vs " + a.length();
        long[] eb = rawBits(e);
        long[] ab = rawBits(a);
        int first = -1;
        int count = 0;
        for (int i = 0; i < eb.length; i++) {
            if (eb[i] != ab[i]) {
                if (first < 0) first = i;
                count++;
            }
        }
        if (first < 0) return null;
        return count + " of " + eb.length + " elements differ, first at index " + first + ": expected "
                + value(e.dataType(), eb[first]) + " but was " + value(a.dataType(), ab[first]);
    }

    /** Raw bits of every element in c order: float and double exactly; other types via a (lossless) cast to double. */
    static long[] rawBits(INDArray x) {
        long[] out = new long[(int) x.length()];
        if (out.length == 0) return out;
        INDArray flat = x.dup('c').reshape(new long[] {x.length()});
        if (x.dataType() == DataType.FLOAT) {
            float[] v = flat.toFloatVector();
            for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        } else {
            double[] v = (x.dataType() == DataType.DOUBLE ? flat : flat.castTo(DataType.DOUBLE)).toDoubleVector();
            for (int i = 0; i < v.length; i++) out[i] = Double.doubleToRawLongBits(v[i]);
        }
        return out;
    }

    private static String value(DataType t, long bits) {
        if (t == DataType.FLOAT) {
            return Float.intBitsToFloat((int) bits) + " (bits 0x" + Integer.toHexString((int) bits) + ")";
        }
        return Double.longBitsToDouble(bits) + " (bits 0x" + Long.toHexString(bits) + ")";
    }
}
