package org.dl4jopt.core;

/** Hyperparameter checks with messages that name the offending field and say what is allowed. */
public final class Check {
    private Check() {}

    public static void positive(String field, double v) {
        if (!(v > 0) || !Double.isFinite(v)) fail(field, v, "a finite value > 0");
    }

    public static void nonNegative(String field, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) fail(field, v, "a finite value >= 0");
    }

    /** [0, 1): momentum-like coefficients. */
    public static void unitInterval(String field, double v) {
        if (!(v >= 0 && v < 1)) fail(field, v, "a value in [0, 1)");
    }

    public static void atLeast(String field, long v, long min) {
        if (v < min) throw new IllegalArgumentException(field + " must be >= " + min + ", got " + v);
    }

    private static void fail(String field, double v, String allowed) {
        throw new IllegalArgumentException(field + " must be " + allowed + ", got " + v);
    }
}
