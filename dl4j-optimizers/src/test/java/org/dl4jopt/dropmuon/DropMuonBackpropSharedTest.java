package org.dl4jopt.dropmuon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.Optimizers;
import org.dl4jopt.testmodels.TestModels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One {@link DropMuonBackprop} instance serving several networks at once. DL4J's ParallelWrapper does exactly that:
 * it moves the network's listeners to the wrapper and gives every worker the same (non-routing) listener instance,
 * and the workers train concurrently. Each network's truncation must stay its own.
 */
class DropMuonBackpropSharedTest {

    /** dense1, dense2, output; fixed cutoff 2: blocks 0 and 1 frozen, so the backward pass stops at dense2. */
    static MultiLayerNetwork mlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(Optimizers.prepare(
                TestModels.mlp(DropMuon.builder().fixedCutoff(2).build(), 5, DataType.FLOAT, 6, 8, 3)));
        net.init();
        return net;
    }

    @Test
    void interleavedNetworksKeepTheirOwnTruncation() {
        MultiLayerNetwork a = mlp();
        MultiLayerNetwork b = mlp();
        Layer a1 = a.getLayers()[1];
        Layer b1 = b.getLayers()[1];
        DropMuonBackprop shared = new DropMuonBackprop();

        shared.onForwardPass(a, List.of());
        assertTrue(a.getLayers()[1] instanceof FrozenLayer, "a is truncated at dense2");
        shared.onForwardPass(b, List.of()); // worker b's forward pass while a is between passes
        assertTrue(a.getLayers()[1] instanceof FrozenLayer, "b's forward pass must not undo a's truncation");
        assertTrue(b.getLayers()[1] instanceof FrozenLayer, "b is truncated at dense2");
        assertSame(b1, ((FrozenLayer) b.getLayers()[1]).getInsideLayer(), "b's wrapper holds b's own layer");
        assertSame(a1, ((FrozenLayer) a.getLayers()[1]).getInsideLayer(), "a's wrapper holds a's own layer");

        shared.onBackwardPass(a);
        assertSame(a1, a.getLayers()[1], "a restored after its backward pass");
        assertTrue(b.getLayers()[1] instanceof FrozenLayer, "a's backward pass must not undo b's truncation");
        shared.onBackwardPass(b);
        assertSame(b1, b.getLayers()[1], "b restored after its backward pass");
        for (Layer l : a.getLayers()) assertFalse(l instanceof FrozenLayer);
        for (Layer l : b.getLayers()) assertFalse(l instanceof FrozenLayer);
    }
}
