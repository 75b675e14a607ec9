package org.dl4jopt.zoo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The heavy zoo models (ResNet50, VGG16, AlexNet, Xception, InceptionResNetV1, UNet, SimpleCNN, Darknet19, TinyYOLO)
 * x every optimizer at its defaults, and FISMO on TextGenerationLSTM: only with {@code -Pzoo} ({@code scripts/zoo}),
 * not in the default test run. The same check and bound as {@link ZooLightTest}; BENCHMARKS.md "Zoo models" has what
 * was measured of it (the spread of these cases was not measured with 3 seeds: one run of a heavy case takes minutes).
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
