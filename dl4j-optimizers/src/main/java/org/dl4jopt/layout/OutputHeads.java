package org.dl4jopt.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.util.GraphIndices;

/**
 * The vertices of a ComputationGraph whose weights are the network's last linear map: vertices with parameters all of
 * whose paths to the network's outputs pass only parameter-free vertices (global pooling, activation, loss layers,
 * Yolo2OutputLayer, ...). A 1x1-convolution classifier (Darknet19, SqueezeNet, TinyYOLO) or a dense layer before a
 * {@code LossLayer} is such a head; the planner gives its convolution or dense weight the OUTPUT_HEAD role. (For a
 * MultiLayerNetwork the head is simply the last layer with parameters.)
 */
public final class OutputHeads {
    private OutputHeads() {}

    /** Names of the head vertices of {@code conf}. */
    public static Set<String> of(ComputationGraphConfiguration conf, GraphIndices indices) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> consumers = new HashMap<>();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            for (String in : e.getValue())
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(e.getKey());
        }
        Set<String> outputs = new HashSet<>(conf.getNetworkOutputs());
        int[] order = indices.getTopologicalSortOrder();
        // freeToOutput: no parameters, and the vertex is an output or feeds only such vertices
        Set<String> freeToOutput = new HashSet<>();
        Set<String> heads = new HashSet<>();
        for (int i = order.length - 1; i >= 0; i--) {
            String name = indices.getIdxToName().get(order[i]);
            GraphVertex v = vertices.get(name);
            if (v == null) continue; // a network input
            List<String> next = consumers.getOrDefault(name, new ArrayList<>());
            boolean allFree = !next.isEmpty() && freeToOutput.containsAll(next);
            if (v.numParams(true) == 0) {
                if (outputs.contains(name) || allFree) freeToOutput.add(name);
            } else if (allFree) {
                heads.add(name);
            }
        }
        return heads;
    }
}
