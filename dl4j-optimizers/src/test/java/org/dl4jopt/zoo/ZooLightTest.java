package org.dl4jopt.zoo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The light zoo models (LeNet, SqueezeNet, TextGenerationLSTM) x every optimizer at its defaults (FISMO on
 * TextGenerationLSTM excepted, see {@link ZooTraining#isHeavy}), in the default test run. Spread of the loss ratio
 * last/first over 3 runs with 1e-6 relative gradient noise (seeds 100-102, ZooMatrixReport, BENCHMARKS.md "Zoo
 * models"): LeNet and SqueezeNet x 8 settings identical to 4 digits, except FISMO without grafting (LeNet
 * 0.456-0.458, SqueezeNet 0.991-0.992); the bound "below 1" is far from all of them.
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
