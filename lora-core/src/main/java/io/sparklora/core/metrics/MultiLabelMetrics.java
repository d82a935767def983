package io.sparklora.core.metrics;

/**
 * Multi-label metrics over label-indicator rows (row r's label j is 1 when the example has it), as scikit-learn
 * computes them for a multilabel-indicator y_true and y_pred: subset accuracy ({@code accuracy_score}: the share of
 * rows whose whole label set is right), micro-F1 ({@code f1_score(average="micro")}: 2·TP / (2·TP + FP + FN) over
 * every row and label) and macro-F1 ({@code f1_score(average="macro")}: the mean of each label's F1 over all
 * labels). Where a score divides zero by zero (a label neither true nor predicted anywhere, or no positive at all for
 * micro-F1) it is 0, as scikit-learn's default {@code zero_division="warn"} returns.
 *
 * @param truePositives  per label
 * @param falsePositives per label
 * @param falseNegatives per label
 * @param exactRows      rows whose predicted set equals the true set
 */
public record MultiLabelMetrics(int rows, long[] truePositives, long[] falsePositives, long[] falseNegatives,
                                long exactRows) {

    /**
     * @param labels    [rows·numLabels] row-major, each 0 or 1
     * @param predicted the same shape: the predicted indicators (probability ≥ the threshold)
     */
    public static MultiLabelMetrics of(double[] labels, double[] predicted, int numLabels) {
        if (labels == null || predicted == null || numLabels < 1) {
            throw new IllegalArgumentException("labels, predictions and numLabels >= 1 are required");
        }
        if (labels.length != predicted.length || labels.length % numLabels != 0) {
            throw new IllegalArgumentException("labels has " + labels.length + " values and predictions "
                    + predicted.length + "; give numLabels = " + numLabels + " indicators per row for both");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("labels and predictions are empty; a metric needs examples");
        }
        int rows = labels.length / numLabels;
        long[] tp = new long[numLabels];
        long[] fp = new long[numLabels];
        long[] fn = new long[numLabels];
        long exact = 0;
        for (int r = 0; r < rows; r++) {
            boolean same = true;
            for (int j = 0; j < numLabels; j++) {
                boolean t = indicator(labels[r * numLabels + j], "labels", r * numLabels + j);
                boolean p = indicator(predicted[r * numLabels + j], "predictions", r * numLabels + j);
                if (t && p) {
                    tp[j]++;
                } else if (p) {
                    fp[j]++;
                } else if (t) {
                    fn[j]++;
                }
                same &= t == p;
            }
            exact += same ? 1 : 0;
        }
        return new MultiLabelMetrics(rows, tp, fp, fn, exact);
    }

    private static boolean indicator(double v, String what, int index) {
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException(what + "[" + index + "] = " + v + " is not a 0/1 label indicator");
        }
        return v == 1;
    }

    public double subsetAccuracy() {
        return (double) exactRows / rows;
    }

    public double microF1() {
        long tp = 0;
        long errors = 0;
        for (int j = 0; j < truePositives.length; j++) {
            tp += truePositives[j];
            errors += falsePositives[j] + falseNegatives[j];
        }
        return f1(tp, errors);
    }

    public double macroF1() {
        double sum = 0;
        for (int j = 0; j < truePositives.length; j++) {
            sum += labelF1(j);
        }
        return sum / truePositives.length;
    }

    /** Label j's F1 (0 when it is neither true nor predicted in any row). */
    public double labelF1(int j) {
        return f1(truePositives[j], falsePositives[j] + falseNegatives[j]);
    }

    /** Rows that have label j (scikit-learn's support). */
    public long support(int j) {
        return truePositives[j] + falseNegatives[j];
    }

    private static double f1(long tp, long errors) {
        return tp + errors == 0 ? 0 : 2.0 * tp / (2.0 * tp + errors);
    }
}
