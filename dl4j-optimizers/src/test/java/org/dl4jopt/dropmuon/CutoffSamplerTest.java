package org.dl4jopt.dropmuon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cutoff distributions of spec section 2.4, as pure functions of (seed, iteration). */
class CutoffSamplerTest {

    static int[] counts(CutoffSampler s, int b, int from, int n) {
        int[] c = new int[b];
        for (int it = from; it < from + n; it++) c[s.cutoff(it, b)]++;
        return c;
    }

    @Test
    void uniformIsUniformAndDeterministic() {
        CutoffSampler s = CutoffSampler.uniform(7);
        int[] c = counts(s, 4, 0, 20000);
        for (int k : c) assertEquals(5000, k, 300, "4 sigma of a binomial(20000, 1/4)"); // sigma = 61
        int[] again = counts(CutoffSampler.uniform(7), 4, 0, 20000);
        assertEquals(java.util.Arrays.toString(c), java.util.Arrays.toString(again));
        int differences = 0;
        for (int it = 0; it < 200; it++)
            if (s.cutoff(it, 4) != CutoffSampler.uniform(8).cutoff(it, 4)) differences++;
        assertTrue(differences > 100, "another seed gives another sequence");
        int repeats = 0;
        for (int it = 0; it < 1000; it++) if (s.cutoff(it, 4) == s.cutoff(it + 1, 4)) repeats++;
        assertEquals(250, repeats, 60, "consecutive draws independent");
    }

    @Test
    void fixedWeightsAndEpochShift() {
        DropMuon fixed = DropMuon.builder().fixedCutoff(2).build();
        assertEquals(2, fixed.cutoff().cutoff(5, 4));
        assertEquals(2, fixed.cutoff().cutoff(5, 3), "clamped to the last block");
        DropMuon w = DropMuon.builder().cutoffWeights(0, 0, 1, 0).build();
        for (int it = 0; it < 50; it++) assertEquals(2, w.cutoff().cutoff(it, 4));
        int[] c = counts(
                DropMuon.builder().cutoffWeights(3, 1, 0, 0).seed(1).build().cutoff(), 4, 0, 8000);
        assertEquals(6000, c[0], 250);
        assertEquals(2000, c[1], 250);
        assertEquals(0, c[2] + c[3]);
        assertThrows(IllegalStateException.class, () -> w.cutoff().cutoff(0, 5), "weights must match the blocks");
        CutoffSampler shift = DropMuon.builder().epochShift(3.0, 1000).build().cutoff();
        int[] early = counts(shift, 4, 0, 1);
        int[] earlyMany = new int[4];
        for (int it = 0; it < 10; it++) earlyMany[shift.cutoff(it, 4)]++;
        int[] late = counts(shift, 4, 1000, 2000);
        assertTrue(earlyMany[0] >= 8, "early: mostly full updates " + java.util.Arrays.toString(earlyMany));
        assertTrue(late[3] > 1800, "late: mostly only the last block " + java.util.Arrays.toString(late));
        assertEquals(1, early[0] + early[1] + early[2] + early[3]);
    }

    @Test
    void badSettingsAreRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> DropMuon.builder().fixedCutoff(-1).build());
        assertTrue(e.getMessage().contains("DropMuon.fixedCutoff"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> DropMuon.builder().cutoffWeights(0, 0).build());
        assertTrue(e.getMessage().contains("DropMuon.cutoffWeights"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> DropMuon.builder().cutoffWeights(1, -1).build());
        assertTrue(e.getMessage().contains("DropMuon.cutoffWeights"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> DropMuon.builder().epochShift(1, 0).build());
        assertTrue(e.getMessage().contains("DropMuon.epochShiftHorizon"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> DropMuon.builder().momentum(1).build());
        assertTrue(e.getMessage().contains("DropMuon.momentum"), e.getMessage());
        assertNotEquals(
                DropMuon.builder().seed(1).build(), DropMuon.builder().seed(2).build());
    }
}
