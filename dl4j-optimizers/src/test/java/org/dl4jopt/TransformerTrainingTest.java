package org.dl4jopt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.onebit.OneBitAdam;
import org.dl4jopt.testmodels.CharTransformer;
import org.dl4jopt.testmodels.TextCorpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The character-level transformer of src-test-models (token and positional embeddings, SameDiff layer norm, causal
 * attention and MLP, RNN output head) with every optimizer: roles as the specs want them, and training that lowers
 * the validation loss well below its initial value within a few dozen steps.
 */
class TransformerTrainingTest {
    static TextCorpus corpus;
    static CharTransformer.Spec spec;
    static final int BATCH = 16;
    static final int STEPS = 40;

    @BeforeAll
    static void data() {
        corpus = TextCorpus.of(TextCorpus.sampleText(), 0.1);
        spec = new CharTransformer.Spec(corpus.vocabSize(), 32, 32, 4, 2, 2);
    }

    /** "vertex/param" -> role, for every parameter of the graph (all served by one shape-aware config each). */
    static Map<String, ParamLayout> layouts(ComputationGraphConfiguration conf) {
        Map<String, ParamLayout> out = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex)) continue;
            Layer l = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
            for (String key : l.initializer().paramKeys(l)) {
                ShapeAwareUpdater u = (ShapeAwareUpdater) l.getUpdaterByParam(key);
                for (ParamLayout p : u.requireLayout().params()) {
                    if (p.key().equals(key)) out.put(e.getKey() + "/" + key, p);
                }
            }
        }
        return out;
    }

    @Test
    void prepareAssignsTransformerRoles() {
        ComputationGraphConfiguration conf =
                Optimizers.prepare(CharTransformer.config(spec, Muon.builder().build(), 1, DataType.FLOAT));
        Map<String, ParamLayout> got = layouts(conf);
        Map<String, ParamRole> expected = new LinkedHashMap<>();
        expected.put("tok/W", ParamRole.EMBEDDING);
        expected.put("pos/W", ParamRole.EMBEDDING);
        for (int i = 0; i < spec.blocks(); i++) {
            for (String ln : new String[] {"ln1_" + i, "ln2_" + i}) {
                expected.put(ln + "/g", ParamRole.VECTOR);
                expected.put(ln + "/b", ParamRole.VECTOR);
            }
            for (String w : new String[] {"Wq", "Wk", "Wv", "Wo"})
                expected.put("attn_" + i + "/" + w, ParamRole.HIDDEN_MATRIX);
            expected.put("mlp_" + i + "/W1", ParamRole.HIDDEN_MATRIX);
            expected.put("mlp_" + i + "/W2", ParamRole.HIDDEN_MATRIX);
            expected.put("mlp_" + i + "/b1", ParamRole.VECTOR);
            expected.put("mlp_" + i + "/b2", ParamRole.VECTOR);
        }
        expected.put("lnf/g", ParamRole.VECTOR);
        expected.put("lnf/b", ParamRole.VECTOR);
        expected.put("out/W", ParamRole.OUTPUT_HEAD);
        expected.put("out/b", ParamRole.VECTOR);
        Map<String, ParamRole> roles = new LinkedHashMap<>();
        got.forEach((k, v) -> roles.put(k, v.role()));
        assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(roles));

        // Muon orthogonalizes exactly the hidden matrices, each attention projection as one full [d, d] matrix
        long d = spec.dModel();
        for (Map.Entry<String, ParamLayout> e : got.entrySet()) {
            ParamLayout p = e.getValue();
            Layer l = ((LayerVertex) conf.getVertices().get(e.getKey().split("/")[0]))
                    .getLayerConf()
                    .getLayer();
            ShapeAwareUpdater u = (ShapeAwareUpdater) l.getUpdaterByParam(p.key());
            assertEquals(p.role() == ParamRole.HIDDEN_MATRIX, u.usesMatrixRule(p), e.getKey());
            if (e.getKey().startsWith("attn_")) {
                assertArrayEquals(new long[] {d, d}, new long[] {p.rows(), p.cols()}, e.getKey());
                assertEquals('c', p.order());
            }
        }
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()), "prepared config survives JSON");
        ParamLayout w1 = got.get("mlp_0/W1");
        assertArrayEquals(new long[] {d, 2 * d, d, 2 * d}, new long[] {w1.rows(), w1.cols(), w1.fanIn(), w1.fanOut()});
    }

    /** One optimizer under test: a name, a fresh updater, and whether DL4J's decoupled WeightDecay is added. */
    record Case(String name, Supplier<IUpdater> updater, double dl4jWeightDecay) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> optimizers() {
        return Stream.of(
                new Case("Muon", () -> Muon.builder().adamLearningRate(3e-3).build(), 0),
                new Case(
                        "FISMO",
                        () -> Fismo.builder()
                                .graft(false)
                                .adamLearningRate(3e-3)
                                .build(),
                        0),
                new Case(
                        "LANTON",
                        () -> Lanton.builder()
                                .learningRate(0.02)
                                .signLearningRate(3e-3)
                                .adamLearningRate(3e-3)
                                .build(),
                        0),
                new Case(
                        "Drop-Muon",
                        () -> DropMuon.builder().seed(3).adamLearningRate(3e-3).build(),
                        0),
                new Case(
                        "OneBitAdam",
                        () -> OneBitAdam.builder()
                                .biasCorrection(false)
                                .momentumMaskThreshold(0)
                                .learningRate(3e-3)
                                .freezeStep(20)
                                .build(),
                        0),
                new Case(
                        "AM-SGD",
                        // the default of issue 15, at which the bound below was measured
                        () -> AdaptiveMemorySgd.builder().learningRate(0.1).build(),
                        0),
                new Case(
                        "AM-AdamW",
                        () -> AdaptiveMemoryAdamW.builder()
                                .learningRate(3e-3)
                                .weightDecay(0.01)
                                .build(),
                        0),
                new Case("Adam", () -> new Adam(3e-3), 0),
                new Case("AdamW", () -> new Adam(3e-3), 0.01),
                new Case("Nesterovs", () -> new Nesterovs(0.1, 0.9), 0));
    }

    /** DL4J's decoupled weight decay (applied after the updater, scaled by the learning rate) on every weight. */
    static void addWeightDecay(ComputationGraphConfiguration conf, double coeff) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (!(v instanceof LayerVertex)) continue;
            Layer l = ((LayerVertex) v).getLayerConf().getLayer();
            List<Regularization> r = new ArrayList<>(List.of(new WeightDecay(coeff, true)));
            if (l instanceof BaseLayer) ((BaseLayer) l).setRegularization(r);
            else if (l instanceof AbstractSameDiffLayer) ((AbstractSameDiffLayer) l).setRegularization(r);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void validationLossFalls(Case c) {
        ComputationGraphConfiguration conf =
                CharTransformer.config(spec, c.updater().get(), 42, DataType.FLOAT);
        if (c.dl4jWeightDecay() > 0) addWeightDecay(conf, c.dl4jWeightDecay());
        ComputationGraph net = new ComputationGraph(Optimizers.prepare(conf));
        net.init();
        NoisyRuns.attach(net);
        DataSetIterator val = corpus.validationIterator(32, spec.seqLen());
        double initial = CharTransformer.meanLoss(net, val);
        DataSetIterator train = corpus.trainIterator(BATCH, spec.seqLen(), 7);
        for (int step = 0; step < STEPS; step++) {
            if (!train.hasNext()) train.reset();
            net.fit(train.next());
        }
        double last = CharTransformer.meanLoss(net, val);
        System.out.printf(
                "TRANSFORMER %-10s val loss %.3f -> %.3f nats/char (ln vocab = %.3f)%n",
                c.name(), initial, last, Math.log(spec.vocab()));
        NoisyRuns.record(c.name() + " initial-minus-ln-vocab", initial - Math.log(spec.vocab()));
        NoisyRuns.record(c.name() + " drop", initial - last);
        assertTrue(Math.abs(initial - Math.log(spec.vocab())) < 0.3, c + ": initial loss " + initial);
        // a drop of > 0.55 nats/char: 3 runs with 1e-6 relative gradient noise (NoisyRuns) gave drops of 1.04 (LANTON)
        // to 1.46
        assertTrue(last < initial - 0.55, c + ": validation loss " + initial + " -> " + last);
    }
}
