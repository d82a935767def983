package io.sparklora.core.metrics;

/** The checks every metric makes of its inputs, with messages that say which input and what is wrong. */
final class MetricInputs {
    private MetricInputs() {
    }

    /** Two label arrays of the same, non-zero length, every label in [0, numClasses). */
    static void labels(int[] labels, int[] predictions, int numClasses) {
        if (labels == null || predictions == null) {
            throw new IllegalArgumentException("labels and predictions must not be null");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        sameLength(labels.length, predictions.length, "labels", "predictions");
        inRange(labels, numClasses, "labels");
        inRange(predictions, numClasses, "predictions");
    }

    /** Two value arrays of the same length, at least two values, all finite. */
    static void values(double[] x, double[] y) {
        if (x == null || y == null) {
            throw new IllegalArgumentException("x and y must not be null");
        }
        sameLength(x.length, y.length, "x", "y");
        if (x.length < 2) {
            throw new IllegalArgumentException("a correlation needs at least 2 pairs, got " + x.length);
        }
        finite(x, "x");
        finite(y, "y");
    }

    private static void sameLength(int a, int b, String aName, String bName) {
        if (a != b) {
            throw new IllegalArgumentException(aName + " has " + a + " values but " + bName + " has " + b
                    + "; give one per example");
        }
        if (a == 0) {
            throw new IllegalArgumentException(aName + " and " + bName + " are empty; a metric needs examples");
        }
    }

    private static void inRange(int[] v, int numClasses, String name) {
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= numClasses) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is not a class in [0, "
                        + numClasses + ")");
            }
        }
    }

    private static void finite(double[] v, String name) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is not a finite number");
            }
        }
    }
}
