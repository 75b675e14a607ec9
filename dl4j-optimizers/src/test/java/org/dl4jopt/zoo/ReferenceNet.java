package org.dl4jopt.zoo;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.GradientNoise;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The reference models ({@code TestModels}: CNN, CNN with batch norm, MLP) on their synthetic data, for the
 * before/after figures of a changed default: {@code fits} fits over batches of 32 (cycling), loss of the whole
 * training set (inference mode) before and after.
 */
enum ReferenceNet {
    REF_CNN,
    REF_CNN_BN,
    REF_MLP;

    MultiLayerNetwork build(IUpdater u) {
        MultiLayerNetwork net;
        switch (this) {
            case REF_CNN:
                net = new MultiLayerNetwork(TestModels.cnn(u, 7, DataType.FLOAT));
                break;
            case REF_CNN_BN:
                net = new MultiLayerNetwork(TestModels.cnnWithBatchNorm(u, 7, DataType.FLOAT));
                break;
            default:
                net = new MultiLayerNetwork(TestModels.mlp(u, 7, DataType.FLOAT, 20, 64, 5));
        }
        net.init();
        return Optimizers.prepare(net);
    }

    DataSet data() {
        return this == REF_MLP ? SyntheticData.vectors(256, 20, 5, 3) : SyntheticData.images(256, 3);
    }

    /** {first, last} loss of the whole data set. */
    double[] run(IUpdater u, long noiseSeed, int fits) {
        Nd4j.getRandom().setSeed(1234);
        MultiLayerNetwork net = build(u);
        net.addListeners(new GradientNoise(1e-6, noiseSeed));
        DataSet all = data();
        List<DataSet> batches = all.batchBy(32);
        double first = net.score(all);
        for (int i = 0; i < fits; i++) net.fit(batches.get(i % batches.size()));
        return new double[] {first, net.score(all)};
    }
}
