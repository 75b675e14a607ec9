package org.dl4jopt.muon;

/**
 * Coefficient schedules of the quintic Newton-Schulz iteration {@code X <- a X + b (X X^T) X + c (X X^T)^2 X}.
 * Each schedule also fixes how the input is normalised: {@code X / (normScale * ||X||_F + eps)}.
 */
public enum NsCoefficients {
    /** Keller Jordan's Muon: (3.4445, -4.7750, 2.0315) every step; output singular values land in about [0.68, 1.13]. */
    JORDAN(1.0, new double[][] {{3.4445, -4.7750, 2.0315}}),
    /**
     * Polar Express (Amsel et al., arXiv 2505.16932, Algorithm 1): per-step minimax-optimal coefficients for
     * [1e-3, 1], steps 1-7 with the 1.01 safety factor {@code (a/1.01, b/1.01^3, c/1.01^5)}, then the convergent
     * quintic (15, -10, 3)/8 repeated; input normalised by {@code 1.01 * ||X||_F}.
     */
    POLAR_EXPRESS(1.01, polarExpress());

    private final double normScale;
    private final double[][] steps;

    NsCoefficients(double normScale, double[][] steps) {
        this.normScale = normScale;
        this.steps = steps;
    }

    /** Multiplier of the Frobenius norm in the input normalisation. */
    public double normScale() {
        return normScale;
    }

    /** {@code (a, b, c)} of step {@code j} (0-based); the last row repeats for later steps. */
    public double[] step(int j) {
        return steps[Math.min(j, steps.length - 1)];
    }

    private static double[][] polarExpress() {
        double[][] raw = {
            {8.28721201814563, -23.595886519098837, 17.300387312530933},
            {4.107059111542203, -2.9478499167379106, 0.5448431082926601},
            {3.9486908534822946, -2.908902115962949, 0.5518191394370137},
            {3.3184196573706015, -2.488488024314874, 0.51004894012372},
            {2.300652019954817, -1.6689039845747493, 0.4188073119525673},
            {1.891301407787398, -1.2679958271945868, 0.37680408948524835},
            {1.8750014808534479, -1.2500016453999487, 0.3750001645474248},
            {1.875, -1.25, 0.375}
        };
        double s = 1.01;
        for (int j = 0; j < 7; j++) {
            raw[j] = new double[] {raw[j][0] / s, raw[j][1] / (s * s * s), raw[j][2] / Math.pow(s, 5)};
        }
        return raw;
    }
}
