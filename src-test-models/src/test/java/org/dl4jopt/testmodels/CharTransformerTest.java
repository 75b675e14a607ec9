package org.dl4jopt.testmodels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

class CharTransformerTest {
    static final CharTransformer.Spec TINY = new CharTransformer.Spec(7, 6, 8, 2, 2, 2);

    static ComputationGraph net(CharTransformer.Spec spec, DataType dtype, long seed) {
        ComputationGraph net = new ComputationGraph(CharTransformer.config(spec, new Adam(1e-3), seed, dtype));
        net.init();
        return net;
    }

    static INDArray tokens(int mb, CharTransformer.Spec spec, long seed) {
        Random r = new Random(seed);
        float[] f = new float[mb * spec.seqLen()];
        for (int i = 0; i < f.length; i++) f[i] = r.nextInt(spec.vocab());
        return Nd4j.create(f, new long[] {mb, spec.seqLen()}, 'c');
    }

    static INDArray oneHotNext(INDArray tokens, int vocab, long seed) {
        Random r = new Random(seed);
        INDArray l = Nd4j.zeros(DataType.FLOAT, tokens.size(0), vocab, tokens.size(1));
        for (int b = 0; b < tokens.size(0); b++) {
            for (int t = 0; t < tokens.size(1); t++) l.putScalar(new long[] {b, r.nextInt(vocab), t}, 1.0);
        }
        return l;
    }

    @Test
    void shapesParameterCountAndProbabilities() {
        CharTransformer.Spec s = CharTransformer.Spec.small(60);
        assertEquals(new CharTransformer.Spec(60, 64, 64, 4, 2, 4), s);
        ComputationGraph n = net(TINY, DataType.FLOAT, 1);
        long d = TINY.dModel();
        long perBlock = 2 * 2 * d + 4 * d * d + 2 * d * 2 * d + 2 * d + d;
        long expected = TINY.vocab() * d
                + TINY.seqLen() * d
                + TINY.blocks() * perBlock
                + 2 * d
                + d * TINY.vocab()
                + TINY.vocab();
        assertEquals(expected, n.numParams());
        INDArray out = n.output(tokens(3, TINY, 1))[0];
        assertArrayEquals(new long[] {3, TINY.vocab(), TINY.seqLen()}, out.shape());
        INDArray sums = out.sum(1);
        assertEquals(0.0, sums.sub(1.0).amaxNumber().doubleValue(), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> new CharTransformer.Spec(7, 6, 10, 4, 1, 2));
    }

    @Test
    void sameSeedSameInitialParametersOtherSeedOther() {
        assertEquals(
                net(TINY, DataType.FLOAT, 3).params(),
                net(TINY, DataType.FLOAT, 3).params());
        assertNotEquals(
                net(TINY, DataType.FLOAT, 3).params(),
                net(TINY, DataType.FLOAT, 4).params());
    }

    @Test
    void outputAtStepTDoesNotDependOnLaterInputs() {
        ComputationGraph n = net(TINY, DataType.DOUBLE, 5);
        INDArray x = tokens(2, TINY, 2);
        INDArray before = n.output(x)[0].dup();
        int t = 2;
        INDArray changed = x.dup();
        for (int s = t + 1; s < TINY.seqLen(); s++) {
            for (int b = 0; b < 2; b++) changed.putScalar(b, s, (x.getInt(b, s) + 1 + s) % TINY.vocab());
        }
        INDArray after = n.output(changed)[0];
        INDArray pastBefore = before.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, t + 1));
        INDArray pastAfter = after.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, t + 1));
        assertEquals(0.0, pastBefore.sub(pastAfter).amaxNumber().doubleValue(), 1e-12);
        // and the later steps do see the change (the test could fail)
        INDArray futureBefore = before.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t + 1));
        INDArray futureAfter = after.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t + 1));
        assertTrue(futureBefore.sub(futureAfter).amaxNumber().doubleValue() > 1e-6);
    }

    @Test
    void jsonRoundTripGivesAnEqualConfigurationAndTheSameNetwork() {
        ComputationGraphConfiguration conf = CharTransformer.config(TINY, new Adam(2e-3), 9, DataType.FLOAT);
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());
        ComputationGraph a = new ComputationGraph(conf);
        a.init();
        ComputationGraph b = new ComputationGraph(back);
        b.init();
        assertEquals(a.params(), b.params());
        INDArray x = tokens(2, TINY, 3);
        assertEquals(a.output(x)[0], b.output(x)[0]);
    }

    /**
     * Also guards the SameDiff external-gradient correction ({@link ExternalErrorsScale}): without it every parameter
     * below the head fails, by a factor 2 per SameDiff layer.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            CharTransformer.Spec spec = new CharTransformer.Spec(5, 4, 8, 2, 1, 2);
            ComputationGraph n = new ComputationGraph(CharTransformer.config(spec, new NoOp(), 11, DataType.DOUBLE));
            n.init();
            INDArray x = tokens(2, spec, 4).castTo(DataType.DOUBLE);
            INDArray y = oneHotNext(x, spec.vocab(), 5).castTo(DataType.DOUBLE);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                    .net(n)
                    .inputs(new INDArray[] {x})
                    .labels(new INDArray[] {y})
                    .subset(true)
                    .maxPerParam(4)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void meanLossIsNatsPerCharacter() {
        // Head weights 0 and bias c: every position predicts softmax(c), so the loss is the mean over the labels of
        // -log softmax(c)[label], computed here by hand.
        ComputationGraph n = net(TINY, DataType.DOUBLE, 6);
        double[] c = {0.5, -1.0, 2.0, 0.0, 0.25, -0.5, 1.0};
        n.getLayer("out").getParam("W").assign(0);
        n.getLayer("out")
                .getParam("b")
                .assign(Nd4j.createFromArray(c)
                        .reshape(n.getLayer("out").getParam("b").shape()));
        double logZ = 0;
        for (double v : c) logZ += Math.exp(v);
        logZ = Math.log(logZ);
        INDArray x1 = tokens(3, TINY, 7);
        INDArray y1 = oneHotNext(x1, TINY.vocab(), 8);
        INDArray x2 = tokens(2, TINY, 9);
        INDArray y2 = oneHotNext(x2, TINY.vocab(), 10);
        double sum = 0;
        int count = 0;
        for (INDArray y : new INDArray[] {y1, y2}) {
            for (int b = 0; b < y.size(0); b++) {
                for (int t = 0; t < TINY.seqLen(); t++) {
                    for (int v = 0; v < TINY.vocab(); v++) {
                        if (y.getDouble(b, v, t) == 1.0) sum += logZ - c[v];
                    }
                    count++;
                }
            }
        }
        double expected = sum / count;
        DataSetIterator it = listIterator(new DataSet(x1, y1), new DataSet(x2, y2));
        assertEquals(expected, CharTransformer.meanLoss(n, it), 1e-9);
        assertEquals(expected / Math.log(2), CharTransformer.bitsPerChar(expected), 1e-12);
    }

    @Test
    void scoreIsNatsPerCharacterToo() {
        // DL4J divides an RNN output layer's summed loss by the minibatch size only; the 1/seqLen class weights make
        // score() the per-character mean (without them it would be seqLen times meanLoss)
        ComputationGraph n = net(TINY, DataType.DOUBLE, 12);
        INDArray x = tokens(4, TINY, 13);
        DataSet ds = new DataSet(x, oneHotNext(x, TINY.vocab(), 14));
        double perChar = CharTransformer.meanLoss(n, listIterator(ds));
        assertEquals(perChar, n.score(ds), 1e-6 * perChar);
        assertEquals(Math.log(TINY.vocab()), perChar, 0.1, "head initialized small: loss close to ln(vocab)");
    }

    static DataSetIterator listIterator(DataSet... sets) {
        return new DataSetIterator() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < sets.length;
            }

            @Override
            public DataSet next() {
                return sets[i++];
            }

            @Override
            public DataSet next(int num) {
                return next();
            }

            @Override
            public int inputColumns() {
                return (int) sets[0].getFeatures().size(1);
            }

            @Override
            public int totalOutcomes() {
                return (int) sets[0].getLabels().size(1);
            }

            @Override
            public boolean resetSupported() {
                return true;
            }

            @Override
            public boolean asyncSupported() {
                return false;
            }

            @Override
            public void reset() {
                i = 0;
            }

            @Override
            public int batch() {
                return (int) sets[0].getFeatures().size(0);
            }

            @Override
            public void setPreProcessor(org.nd4j.linalg.dataset.api.DataSetPreProcessor p) {}

            @Override
            public org.nd4j.linalg.dataset.api.DataSetPreProcessor getPreProcessor() {
                return null;
            }

            @Override
            public java.util.List<String> getLabels() {
                return null;
            }
        };
    }
}
