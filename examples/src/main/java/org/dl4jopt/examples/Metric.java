package org.dl4jopt.examples;

/**
 * The metric a model is judged by, its direction, and the names it has in files and tables: test accuracy for the
 * CNN (higher is better), training accuracy for Drop-Muon's CNN (its paper's metric), validation bits per character
 * for the transformer (lower is better).
 */
public enum Metric {
    /** Fraction of the test set classified correctly; the loss beside it is the mean cross-entropy per example. */
    TEST_ACCURACY(
            "test_accuracy",
            "test accuracy",
            "test_loss",
            "test loss",
            "test loss",
            true,
            "--target-accuracy",
            "target_accuracy"),
    /**
     * Fraction of a fixed subset of the training images (the first ones, in file order) classified correctly: the
     * Drop-Muon paper reports training accuracy against wall-clock time.
     */
    TRAIN_ACCURACY(
            "train_accuracy",
            "training accuracy",
            "train_subset_loss",
            "loss on the measured training images",
            "training-subset loss",
            true,
            "--target-accuracy",
            "target_accuracy"),
    /**
     * Validation bits per character, {@code loss / ln 2}; the loss beside it is the mean cross-entropy in nats per
     * character.
     */
    VALIDATION_BPC(
            "validation_bpc",
            "validation bpc",
            "validation_loss",
            "validation loss (nats/char)",
            "validation loss",
            false,
            "--target-bpc",
            "target_bpc");

    private final String key;
    private final String label;
    private final String lossKey;
    private final String lossLabel;
    private final String chartLossLabel;
    private final boolean higherIsBetter;
    private final String targetOption;
    private final String targetKey;

    Metric(
            String key,
            String label,
            String lossKey,
            String lossLabel,
            String chartLossLabel,
            boolean higherIsBetter,
            String targetOption,
            String targetKey) {
        this.key = key;
        this.label = label;
        this.lossKey = lossKey;
        this.lossLabel = lossLabel;
        this.chartLossLabel = chartLossLabel;
        this.higherIsBetter = higherIsBetter;
        this.targetOption = targetOption;
        this.targetKey = targetKey;
    }

    /** Column/JSON name of the metric, e.g. {@code test_accuracy}. */
    public String key() {
        return key;
    }

    /** Human-readable name, e.g. "test accuracy". */
    public String label() {
        return label;
    }

    /** Column/JSON name of the held-out loss, e.g. {@code test_loss}. */
    public String lossKey() {
        return lossKey;
    }

    public String lossLabel() {
        return lossLabel;
    }

    /** Short name of the evaluated loss for chart legends and captions, e.g. "test loss". */
    public String chartLossLabel() {
        return chartLossLabel;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** The command-line option that sets the target of this metric. */
    public String targetOption() {
        return targetOption;
    }

    /** JSON/CSV name of the target, e.g. {@code target_accuracy}. */
    public String targetKey() {
        return targetKey;
    }

    /** Whether {@code value} meets {@code target} ({@code >=} for accuracy, {@code <=} for bpc). */
    public boolean reaches(double value, double target) {
        return higherIsBetter ? value >= target : value <= target;
    }

    /** Whether {@code a} is strictly better than {@code b}; a NaN is worse than any number. */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return higherIsBetter ? a > b : a < b;
    }
}
