package org.dl4jopt.coverage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dl4jopt.Bits;
import org.dl4jopt.GradientNoise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Every parameterized DL4J layer kind ({@link LayerCases}) x every optimizer at its defaults x MultiLayerNetwork and
 * ComputationGraph: prepare succeeds, 20 fits on a fixed batch stay finite and reduce the loss, and save -> restore
 * -> continue is bit-exact.
 */
class LayerCoverageTest {
    static final int FITS = 20;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        String only = System.getProperty("coverage.cases", ".*"); // a regex, to rerun some cases by hand
        for (LayerCase c : LayerCases.all())
            for (Opt o : Opt.values())
                for (CoverageNet.Form f : CoverageNet.Form.values())
                    if (c.name.matches(only)) out.add(Arguments.of(c, o, f));
        return out.stream();
    }

    /** Loss after / before {@link #FITS} fits on the case's fixed batch, with optional gradient noise. */
    static double[] run(LayerCase c, Opt o, CoverageNet.Form f, Long noiseSeed) {
        CoverageNet net = f.build(c, o.make());
        if (noiseSeed != null) net.addListener(new GradientNoise(1e-6, noiseSeed));
        DataSet d = c.batch.get();
        double first = net.score(d);
        for (int i = 0; i < FITS; i++) net.fit(d);
        return new double[] {first, net.score(d)};
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void trainsAndRestoresExactly(LayerCase c, Opt o, CoverageNet.Form f) {
        CoverageNet net = f.build(c, o.make());
        DataSet d = c.batch.get();
        double first = net.score(d);
        for (int i = 0; i < FITS; i++) net.fit(d);
        double last = net.score(d);
        String what = c + " " + o + " " + f + ": loss " + first + " -> " + last;
        System.out.printf("COVERAGE %s %s %s %.6f%n", c, o, f, last / first);
        assertTrue(Double.isFinite(last), what);
        assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()), what + ": non-finite parameters");
        // "Falls" is last < first. Measured (printSpread, 3 runs with GradientNoise(1e-6) each, every case with a
        // ratio above 0.98 and Dense/CenterLoss for all optimizers): last/first closest to 1 is 0.9964 (LANTON,
        // LSTM+RnnOutput), then 0.9952 (LANTON, EmbeddingSequence), 0.9931 (Drop-Muon, LocallyConnected1D; LANTON,
        // Convolution1D); their spread over the 3 runs is <= 1e-6, so the margin to 1 is >= 3000x the spread. The
        // largest spread seen is FISMO's (SelfAttention 0.877-0.893, Bidirectional 0.8793-0.8796), far from 1.
        // MultiLayerNetwork and ComputationGraph gave identical ratios in every case. These figures are at the defaults
        // before issue 13; at LANTON's new defaults its ratios fell (median 0.97 -> 0.75, closest to 1: 0.966 on
        // LSTM+RnnOutput, one run with the AdamW fallback at 1e-3), so the cases nearest the bound are further from it
        // (spread not re-measured; nor FISMO's at its new damping 0.01, which passed every case). FISMO at its rate
        // of issue 13 (0.005), 3 runs with GradientNoise: closest to 1 is 0.9875 (LocallyConnected1D), then 0.9837
        // (Deconvolution3D), each identical to 6 digits over the runs. AM-SGD at 0.5 and AM-AdamW at 2e-3 (their rates
        // of issue 13), 3 runs with GradientNoise: closest to 1 are 0.9767 (AM-AdamW, LSTM+RnnOutput) and 0.8444
        // (AM-SGD, LSTM+RnnOutput), identical to 6 digits over the runs. Muon and Drop-Muon with the AdamW fallback at
        // 1e-3 (their default since issue 13), 3 runs with GradientNoise: closest to 1 is 0.9764 (Drop-Muon,
        // LocallyConnected1D), then 0.9704 (Drop-Muon, Convolution1D), identical to 6 digits over the runs.
        assertTrue(last < first, what);
        CoverageNet restored = net.saveAndRestore();
        for (int i = 0; i < 2; i++) {
            net.fit(d);
            restored.fit(d);
        }
        Bits.assertIdentical(what + ": save -> restore -> continue", net.snapshot(), restored.snapshot());
    }

    /**
     * Measurement, not a check: {@code -Dcoverage.spread=true} prints last/first of every case for 3 runs with
     * GradientNoise(1e-6), the figures behind the bound above.
     */
    @Test
    @EnabledIfSystemProperty(named = "coverage.spread", matches = "true")
    void printSpread() {
        String only = System.getProperty("coverage.cases", ".*");
        String opts = System.getProperty("coverage.optimizers", ".*");
        for (LayerCase c : LayerCases.all())
            for (Opt o : Opt.values())
                for (CoverageNet.Form f : CoverageNet.Form.values()) {
                    String forms = System.getProperty("coverage.forms", ".*");
                    if (!c.name.matches(only)
                            || !o.name().matches(opts)
                            || !f.name().matches(forms)) continue;
                    StringBuilder sb = new StringBuilder("SPREAD " + c + " " + o + " " + f);
                    for (long s = 1; s <= 3; s++) {
                        try {
                            double[] r = run(c, o, f, s);
                            sb.append(String.format(" %.6f", r[1] / r[0]));
                        } catch (RuntimeException e) {
                            sb.append(" ERR ")
                                    .append(e.getClass().getSimpleName())
                                    .append(": ")
                                    .append(e.getMessage());
                            break;
                        }
                    }
                    System.out.println(sb);
                }
    }
}
