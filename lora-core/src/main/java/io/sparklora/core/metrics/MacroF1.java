package io.sparklora.core.metrics;

/**
 * The unweighted mean of the per-class F1 scores, as scikit-learn's {@code f1_score(average="macro")} with its
 * defaults: F1 of class c is 2·tp / (2·tp + fp + fn), and the mean runs over the classes that occur among the true
 * or the predicted labels (scikit-learn's {@code labels=None}); a class that is never predicted but occurs has
 * tp = 0 and so F1 = 0, pulling the mean down. A class that occurs in neither is left out, as scikit-learn leaves
 * it out; zero division (tp = fp = fn = 0) therefore never arises for a class that is averaged.
 */
public final class MacroF1 {
    private MacroF1() {
    }

    public static double of(ConfusionMatrix m) {
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < m.numClasses(); c++) {
            long tp = m.count(c, c);
            long fp = m.predictedCount(c) - tp;
            long fn = m.trueCount(c) - tp;
            if (tp + fp + fn == 0) {
                continue; // occurs neither as a label nor as a prediction
            }
            sum += 2.0 * tp / (2.0 * tp + fp + fn);
            classes++;
        }
        if (classes == 0) {
            throw new IllegalArgumentException("macro-F1 of no examples is undefined");
        }
        return sum / classes;
    }

    public static double of(int[] labels, int[] predictions, int numClasses) {
        return of(ConfusionMatrix.of(labels, predictions, numClasses));
    }
}
