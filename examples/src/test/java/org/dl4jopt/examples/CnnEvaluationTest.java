package org.dl4jopt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/** The one-pass evaluation of the CNN runs against DL4J's own accuracy and per-example score. */
class CnnEvaluationTest {

    @Test
    void lossAndAccuracyAreDl4jsOwn() {
        DataSet data = SyntheticData.images(300, 3);
        MultiLayerNetwork net = new MultiLayerNetwork(TestModels.cnn(new Adam(1e-3), 42, DataType.FLOAT));
        net.init();
        // a few steps, so that some outputs are confident and others not
        for (int i = 0; i < 5; i++) net.fit(data);

        double[] got = CnnRun.evaluate(net, SyntheticData.iterator(data, 64));

        double dl4jLoss = net.scoreExamples(data, false).sumNumber().doubleValue() / data.numExamples();
        Evaluation ev = new Evaluation(10);
        ev.eval(data.getLabels(), net.output(data.getFeatures(), false));
        assertEquals(ev.accuracy(), got[0], 0, "accuracy");
        // float sums in another order: relative 1e-5 (a wrong formula, e.g. a mean over the 10 classes, is off by
        // orders of magnitude more)
        assertEquals(dl4jLoss, got[1], 1e-5 * dl4jLoss, "mean per-example loss");
    }
}
