package org.dl4jopt.dropmuon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.SyntheticData;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** On a ComputationGraph Drop-Muon skips the frozen layers' updates (positions in topological order). */
class DropMuonGraphTest {

    @Test
    void frozenVerticesAreNotUpdated() {
        // attention graph: attn (0), dense (1), output (2); cutoff fixed at 1 freezes the attention layer
        ComputationGraph net = new ComputationGraph(Optimizers.prepare(TestModels.attention(
                DropMuon.builder()
                        .fixedCutoff(1)
                        .weightDecay(0.01)
                        .adamWeightDecay(0.01)
                        .build(),
                5,
                DataType.FLOAT,
                8,
                6,
                3)));
        net.init();
        List<DataSet> data = SyntheticData.sequences(128, 8, 6, 3, 9).batchBy(32);
        INDArray attn = net.getLayer("attn").params().dup();
        INDArray dense = net.getLayer("dense").params().dup();
        INDArray output = net.getLayer("output").params().dup();
        for (DataSet d : data) net.fit(d);
        assertEquals(attn, net.getLayer("attn").params(), "below the cutoff: unchanged, decay included");
        assertNotEquals(dense, net.getLayer("dense").params());
        assertNotEquals(output, net.getLayer("output").params());
    }
}
