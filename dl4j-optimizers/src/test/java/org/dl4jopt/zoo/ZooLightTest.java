package org.dl4jopt.zoo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The light zoo models (LeNet, SqueezeNet, TextGenerationLSTM) x every optimizer at its defaults (FISMO on TextGenerationLSTM excepted, see ZooTraining.isHeavy), in the
 * default test run. Spread of the loss ratio last/first over 3 runs with 1e-6 relative gradient noise (seeds 100-102,
 * ZooMatrixReport): SPREAD_PLACEHOLDER
 */
class ZooLightTest {
    static java.util.stream.Stream<Arguments> cases() {
        return ZooTraining.cases(false);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("cases")
    void trainsAtDefaults(ZooNet net, ZooOptimizer opt) {
        ZooTraining.assertTrains(net, opt);
    }
}
