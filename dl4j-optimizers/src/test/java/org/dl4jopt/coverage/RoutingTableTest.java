package org.dl4jopt.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.dl4jopt.Optimizers;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;
import org.junit.jupiter.api.Test;

/**
 * Pins README.md's table "Routing of each parameter kind": for every row, the network of {@link LayerCases} it
 * names is prepared with Muon at its defaults (as a MultiLayerNetwork and as a ComputationGraph) and the layout DL4J's
 * updater blocks actually carry must give the row's role, routing and example (shape, matrix view, fan-in -> fan-out,
 * Keller shape scale). A row without a network here, or a network row missing from the README, fails too.
 */
class RoutingTableTest {

    /** README row label -> case name, layer index, parameter key. */
    static Map<String, String[]> rows() {
        Map<String, String[]> r = new LinkedHashMap<>();
        r.put("Dense weight", new String[] {"Dense+Output", "1", "W"});
        r.put("Any bias", new String[] {"Dense+Output", "1", "b"});
        r.put("Output layer weight", new String[] {"Dense+Output", "2", "W"});
        r.put("CenterLossOutput weight", new String[] {"CenterLossOutput", "1", "W"});
        r.put("CenterLossOutput centers", new String[] {"CenterLossOutput", "1", "cL"});
        r.put("First convolution kernel", new String[] {"Convolution2D", "0", "W"});
        r.put("Convolution2D kernel", new String[] {"Convolution2D", "1", "W"});
        r.put("First convolution frozen: next kernel", new String[] {"FrozenConvolution", "1", "W"});
        r.put("Convolution1D kernel", new String[] {"Convolution1D", "1", "W"});
        r.put("Convolution3D kernel", new String[] {"Convolution3D", "1", "W"});
        r.put("Deconvolution2D kernel", new String[] {"Deconvolution2D", "1", "W"});
        r.put("Deconvolution3D kernel", new String[] {"Deconvolution3D", "1", "W"});
        r.put("DepthwiseConvolution2D kernel", new String[] {"DepthwiseConvolution2D", "1", "W"});
        r.put("SeparableConvolution2D depthwise", new String[] {"SeparableConvolution2D", "1", "W"});
        r.put("SeparableConvolution2D pointwise", new String[] {"SeparableConvolution2D", "1", "pW"});
        r.put("1x1 convolution head", new String[] {"ConvHead+GlobalPooling+Loss", "2", "W"});
        r.put("LocallyConnected1D weight", new String[] {"LocallyConnected1D", "0", "W"});
        r.put("LocallyConnected2D weight", new String[] {"LocallyConnected2D", "1", "W"});
        r.put("BatchNormalization gamma", new String[] {"BatchNormalization", "1", "gamma"});
        r.put("PReLU alpha", new String[] {"PReLU", "1", "W"});
        r.put("Embedding table", new String[] {"Embedding", "0", "W"});
        r.put("EmbeddingSequence table", new String[] {"EmbeddingSequence", "0", "W"});
        r.put("LSTM input weight", new String[] {"LSTM+RnnOutput", "1", "W"});
        r.put("LSTM recurrent weight", new String[] {"LSTM+RnnOutput", "1", "RW"});
        r.put("GravesLSTM recurrent weight", new String[] {"GravesLSTM", "0", "RW"});
        r.put("GravesBidirectionalLSTM forward input weight", new String[] {"GravesBidirectionalLSTM", "0", "WF"});
        r.put("SimpleRnn recurrent weight", new String[] {"SimpleRnn", "0", "RW"});
        r.put("Bidirectional backward input weight", new String[] {"Bidirectional", "0", "bW"});
        r.put("LastTimeStep(LSTM) input weight", new String[] {"LastTimeStep", "0", "W"});
        r.put("SelfAttention query projection", new String[] {"SelfAttention", "0", "Wq"});
        r.put("SelfAttention output projection", new String[] {"SelfAttention", "0", "Wo"});
        r.put("RecurrentAttention input weight", new String[] {"RecurrentAttention", "0", "W"});
        r.put("RecurrentAttention recurrent weight", new String[] {"RecurrentAttention", "0", "RW"});
        r.put("PrimaryCapsules kernel", new String[] {"Capsules", "1", "weight"});
        r.put("CapsuleLayer weight", new String[] {"Capsules", "2", "weight"});
        r.put("FrozenLayerWithBackprop weight", new String[] {"FrozenLayerWithBackprop", "1", "W"});
        return r;
    }

    /** "layerName/key" -> [role column, example column], from the layouts in DL4J's updater blocks. */
    static Map<String, String[]> computed(BaseMultiLayerUpdater<?> updater) {
        Map<String, String[]> out = new TreeMap<>();
        for (UpdaterBlock b : updater.getUpdaterBlocks()) {
            if (!(b.getGradientUpdater().getConfig() instanceof ShapeAwareUpdater)) {
                // a DL4J updater (NoOp of frozen layers, batch-norm statistics): not routed by this library
                for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                    out.put(ps.getLayer().getConfig().getLayerName() + "/" + ps.getParamName(), new String[] {
                        "DL4J `" + b.getGradientUpdater().getConfig().getClass().getSimpleName() + "`", "—"
                    });
                }
                continue;
            }
            ShapeAwareUpdater u = (ShapeAwareUpdater) b.getGradientUpdater().getConfig();
            for (ParamLayout p : u.requireLayout().params()) {
                out.put(u.requireLayout().layerName() + "/" + p.key(), describe(u, p));
            }
        }
        return out;
    }

    static String[] describe(ShapeAwareUpdater u, ParamLayout p) {
        String role = "`" + p.role() + "`, " + (u.usesMatrixRule(p) ? "matrix rule" : "AdamW fallback");
        String shape = "`" + Arrays.toString(p.shape()) + "`";
        String example;
        if (p.role() == org.dl4jopt.layout.ParamRole.VECTOR) {
            example = shape + " element-wise";
        } else {
            example = String.format(
                    "%s → %d×%d, %d→%d, s %.2f",
                    shape, p.rows(), p.cols(), p.fanIn(), p.fanOut(), ShapeScale.KELLER.factor(p, false));
        }
        return new String[] {role, example};
    }

    /** The README rows between the table markers: label -> [role, example]. */
    static Map<String, String[]> readme() throws IOException {
        Path readme = Path.of("../README.md");
        if (!Files.exists(readme)) readme = Path.of("README.md");
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        int start = lines.indexOf("<!-- routing-table:start -->");
        int end = lines.indexOf("<!-- routing-table:end -->");
        Map<String, String[]> out = new LinkedHashMap<>();
        for (String line : lines.subList(start + 1, end)) {
            if (!line.startsWith("|") || line.startsWith("| ---") || line.startsWith("| Parameter")) continue;
            String[] cells = line.split("\\|", -1);
            out.put(cells[1].trim(), new String[] {cells[2].trim(), cells[4].trim()});
        }
        return out;
    }

    @Test
    void readmeTableMatchesTheLayoutsInBothNetworkForms() throws IOException {
        Map<String, LayerCase> cases = LayerCases.all().stream().collect(Collectors.toMap(c -> c.name, c -> c));
        Map<String, String[]> readme = readme();
        assertEquals(rows().keySet(), readme.keySet(), "README rows vs this test's rows");
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String[]> row : rows().entrySet()) {
            LayerCase c = cases.get(row.getValue()[0]);
            assertNotNull(c, row.getValue()[0]);
            MultiLayerNetwork mln = new MultiLayerNetwork(Optimizers.prepare(c.multiLayer(new Muon())));
            mln.init();
            ComputationGraph graph = new ComputationGraph(Optimizers.prepare(c.graph(new Muon())));
            graph.init();
            String id = "layer" + row.getValue()[1] + "/" + row.getValue()[2];
            String[] want = readme.get(row.getKey());
            String[] gotMln =
                    computed((BaseMultiLayerUpdater<?>) mln.getUpdater()).get(id);
            String[] gotGraph = computed(graph.getUpdater()).get(id);
            String line = row.getKey() + ": README " + Arrays.toString(want) + ", MultiLayerNetwork "
                    + Arrays.toString(gotMln) + ", ComputationGraph " + Arrays.toString(gotGraph);
            if (!Arrays.equals(want, gotMln) || !Arrays.equals(want, gotGraph)) {
                mismatches.add(line);
                if (gotMln != null) { // the row as the code has it, to paste after checking it is intended
                    System.out.println("ROUTING| " + row.getKey() + " | " + gotMln[0] + " | ... | " + gotMln[1] + " |");
                }
            }
        }
        assertEquals(List.of(), mismatches);
    }
}
