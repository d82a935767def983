package io.sparklora.core.metrics;

/** The share of examples predicted right, as scikit-learn's accuracy_score. */
public final class Accuracy {
    private Accuracy() {
    }

    public static double of(ConfusionMatrix m) {
        long total = m.total();
        if (total == 0) {
            throw new IllegalArgumentException("accuracy of no examples is undefined");
        }
        return (double) m.correct() / total;
    }

    public static double of(int[] labels, int[] predictions, int numClasses) {
        return of(ConfusionMatrix.of(labels, predictions, numClasses));
    }
}
