package org.dl4jopt;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jopt.core.NonFiniteGradientException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The network step's NaN/Inf guard in a HALF network: ND4J 1.0.0-M2.1's match-condition count misses NaN in HALF
 * arrays, so the guard must not rely on it. A NaN (and an infinity) in the last layer's gradient is rejected and
 * changes nothing, for every optimizer that accepts HALF.
 */
class HalfGuardTest {
    static Stream<String> halfOptimizers() {
        return DataTypesTest.OPTIMIZERS.stream().filter(n -> !DataTypesTest.refused(n, DataType.HALF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfOptimizers")
    void nanOrInfInHalfGradientIsRejectedAndChangesNothing(String name) {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            MultiLayerNetwork net = new MultiLayerNetwork(
                    Optimizers.prepare(DataTypesTest.mlp(name, DataType.HALF, DataTypesTest.SEED)));
            net.init();
            for (int i = 0; i < 3; i++) net.fit(DataTypesTest.DATA.get(i));
            Map<String, INDArray> before = Bits.snapshot(net);
            GradientFault fault = new GradientFault("2_W", 1, bad, 0);
            net.setListeners(fault);
            assertThrows(
                    NonFiniteGradientException.class,
                    () -> net.fit(DataTypesTest.DATA.get(3)),
                    name + ": " + bad + " in a HALF gradient must be rejected");
            assertTrue(fault.fired(), "the fault was injected");
            Bits.assertIdentical(name + " " + bad + ": after the rejected fit", before, Bits.snapshot(net));
        }
    }
}
