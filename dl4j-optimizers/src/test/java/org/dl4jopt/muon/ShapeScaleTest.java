package org.dl4jopt.muon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.dl4jopt.layout.ParamLayout;
import org.dl4jopt.layout.ParamRole;
import org.junit.jupiter.api.Test;

/** Every shape scale's factor on a dense matrix wider at the input and one wider at the output (spec 1.4, 2.2). */
class ShapeScaleTest {
    /** DL4J dense weights [nIn, nOut] in 'f' order: rows = fanIn. */
    static ParamLayout dense(long nIn, long nOut) {
        return new ParamLayout("W", ParamRole.HIDDEN_MATRIX, new long[] {nIn, nOut}, 'f', nIn, nOut, nIn, nOut);
    }

    @Test
    void factors() {
        ParamLayout wideIn = dense(64, 16);
        ParamLayout wideOut = dense(16, 64);
        assertEquals(1.0, ShapeScale.KELLER.factor(wideIn, false), 0);
        assertEquals(2.0, ShapeScale.KELLER.factor(wideOut, false), 0);
        assertEquals(0.5, ShapeScale.SCION.factor(wideIn, false), 0, "no floor at 1");
        assertEquals(2.0, ShapeScale.SCION.factor(wideOut, false), 0);
        assertEquals(1.6, ShapeScale.MOONLIGHT.factor(wideIn, false), 1e-15);
        assertEquals(1.0, ShapeScale.NONE.factor(wideIn, false), 0);
    }
}
