package org.dl4jopt.testmodels;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A small decoder-only character-level transformer (GPT-style, pre-norm) as a DL4J {@code ComputationGraph}:
 *
 * <pre>
 * tokens [mb, seqLen] -> tok: EmbeddingSequenceLayer (vocab -> dModel) -> pos: PositionalEmbeddingLayer (+ learned table)
 *   -> N blocks:  ln1_i: LayerNorm -> attn_i: CausalSelfAttention -> res1_i = input + attn_i
 *                 ln2_i: LayerNorm -> mlp_i: GELU MLP (hidden = mlpMultiple * dModel) -> res2_i = res1_i + mlp_i
 *   -> lnf: LayerNorm -> out: RnnOutputLayer (softmax, MCXENT) -> next-char distribution [mb, vocab, seqLen] (NCW)
 * </pre>
 *
 * Feed it {@link TextCorpus} iterators. Loss: DL4J's RNN output layers sum the cross-entropy over the time steps and
 * divide by the minibatch size only (BaseOutputLayer.computeScore divides by input.size(0)); this graph weights
 * every class by {@code 1/seqLen}, so its {@code score()} is the mean nats per character (plus any regularization
 * term). {@link #meanLoss} computes exactly that from the output probabilities, over a whole iterator.
 */
public final class CharTransformer {
    private CharTransformer() {}

    /**
     * Model size: vocabulary, context length, width, attention heads (dModel must be a multiple), blocks, and the MLP's
     * hidden width as a multiple of dModel.
     */
    public record Spec(int vocab, int seqLen, int dModel, int heads, int blocks, int mlpMultiple) {
        public Spec {
            if (vocab < 2 || seqLen < 1 || dModel < 1 || heads < 1 || blocks < 1 || mlpMultiple < 1) {
                throw new IllegalArgumentException("invalid transformer spec " + this);
            }
            if (dModel % heads != 0) {
                throw new IllegalArgumentException(
                        "dModel (" + dModel + ") must be a multiple of heads (" + heads + ")");
            }
        }

        /** Sized to train quickly on two CPU cores: seqLen 64, dModel 64, 4 heads, 2 blocks, MLP 4x (about 100k params). */
        public static Spec small(int vocab) {
            return new Spec(vocab, 64, 64, 4, 2, 4);
        }
    }

    /**
     * The graph configuration (not yet prepared with {@code Optimizers.prepare}). {@code updater} serves every layer;
     * {@code seed} fixes the initialization. Initialization: token and positional embeddings N(0, 0.02^2) (GPT-2);
     * attention and MLP matrices N(0, 1/fanIn), their residual-branch output projections scaled by
     * {@code 1/sqrt(2 blocks)}; head N(0, 0.02^2), so the initial loss is close to ln(vocab); layer norms g = 1,
     * b = 0; biases 0. Loss: softmax cross-entropy averaged over examples and time steps, so {@code score()} is nats per
     * character (plus any regularization term).
     */
    public static ComputationGraphConfiguration config(Spec spec, IUpdater updater, long seed, DataType dtype) {
        int d = spec.dModel();
        double residualScale = 1.0 / Math.sqrt(2.0 * spec.blocks());
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dtype)
                .updater(updater)
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.NORMAL)
                .graphBuilder()
                .addInputs("tokens")
                // the declared width is the index range: EmbeddingSequenceLayer takes its nIn (vocab) from it
                .setInputTypes(InputType.recurrent(spec.vocab(), spec.seqLen()));
        g.addLayer(
                "tok",
                new EmbeddingSequenceLayer.Builder()
                        .nIn(spec.vocab())
                        .nOut(d)
                        .inputLength(spec.seqLen())
                        .hasBias(false)
                        .outputDataFormat(RNNFormat.NCW)
                        .weightInit(new NormalDistribution(0, 0.02))
                        .build(),
                "tokens");
        g.addLayer("pos", new PositionalEmbeddingLayer(spec.seqLen(), d), "tok");
        String x = "pos";
        for (int i = 0; i < spec.blocks(); i++) {
            g.addLayer("ln1_" + i, new LayerNormLayer(d, 1e-5), x);
            g.addLayer(
                    "attn_" + i,
                    new CausalSelfAttentionLayer(d, spec.heads(), spec.seqLen(), residualScale),
                    "ln1_" + i);
            g.addVertex("res1_" + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), x, "attn_" + i);
            g.addLayer("ln2_" + i, new LayerNormLayer(d, 1e-5), "res1_" + i);
            g.addLayer(
                    "mlp_" + i, new PositionwiseMlpLayer(d, (long) spec.mlpMultiple() * d, residualScale), "ln2_" + i);
            g.addVertex("res2_" + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), "res1_" + i, "mlp_" + i);
            x = "res2_" + i;
        }
        g.addLayer("lnf", new LayerNormLayer(d, 1e-5), x);
        // MCXENT with every class weighted 1/seqLen: DL4J sums an RNN output layer's loss over the time steps and
        // divides by the minibatch size only, so this makes score() the mean nats per character (as PyTorch's
        // cross_entropy), and learning rates of non-normalized methods (SGD) independent of seqLen.
        INDArray perStep = Nd4j.valueArrayOf(new long[] {spec.vocab()}, 1.0 / spec.seqLen(), DataType.FLOAT);
        g.addLayer(
                "out",
                new RnnOutputLayer.Builder()
                        .lossFunction(new LossMCXENT(perStep))
                        .nIn(d)
                        .nOut(spec.vocab())
                        .activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW)
                        .weightInit(new NormalDistribution(0, 0.02))
                        .build(),
                "lnf");
        return g.setOutputs("out").build();
    }

    /**
     * Mean cross-entropy in nats per predicted character over the whole iterator:
     * {@code -(1/N) sum log p(c_{t+1} | c_0..c_t)} over all N labelled positions of all batches (positions whose
     * labels-mask entry is 0 are excluded), computed from the network's output probabilities, without regularization
     * terms. Bits per character = nats / ln 2. Resets the iterator before and after.
     */
    public static double meanLoss(ComputationGraph net, DataSetIterator it) {
        if (it.resetSupported()) it.reset();
        double nats = 0;
        double count = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray probs = net.output(false, ds.getFeatures())[0]; // [mb, vocab, T]
            INDArray labels = ds.getLabels().castTo(probs.dataType());
            INDArray pTrue = probs.mul(labels).sum(1); // [mb, T]
            pTrue = pTrue.castTo(DataType.DOUBLE);
            INDArray mask = ds.getLabelsMaskArray();
            if (mask != null) {
                // masked positions contribute log(1) = 0 (their labels may be all-zero)
                INDArray m = mask.castTo(DataType.DOUBLE).reshape(pTrue.shape());
                pTrue = pTrue.mul(m).addi(m.rsub(1.0));
                count += m.sumNumber().doubleValue();
            } else {
                count += pTrue.length();
            }
            nats -= Transforms.log(pTrue, false).sumNumber().doubleValue();
        }
        if (it.resetSupported()) it.reset();
        if (count == 0) throw new IllegalArgumentException("meanLoss: the iterator has no labelled positions");
        return nats / count;
    }

    /** {@code nats / ln 2}. */
    public static double bitsPerChar(double nats) {
        return nats / Math.log(2);
    }
}
