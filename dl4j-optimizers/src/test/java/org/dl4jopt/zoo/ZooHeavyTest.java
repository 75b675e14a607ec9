package org.dl4jopt.zoo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The heavy zoo models (ResNet50, VGG16, AlexNet, Xception, InceptionResNetV1, UNet, SimpleCNN, Darknet19, TinyYOLO) x every optimizer at its defaults, and FISMO on TextGenerationLSTM, only with -Pzoo (scripts/zoo), not in the
 * default test run (BENCHMARKS.md "Zoo models" has its last result). Spread of the loss ratio last/first over 3 runs with 1e-6 relative gradient noise (seeds 100-102,
 * ZooMatrixReport): SPREAD_PLACEHOLDER
 */
@Tag("zoo-heavy")
class ZooHeavyTest {
    static java.util.stream.Stream<Arguments> cases() {
        return ZooTraining.cases(true);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("cases")
    void trainsAtDefaults(ZooNet net, ZooOptimizer opt) {
        ZooTraining.assertTrains(net, opt);
    }
}
