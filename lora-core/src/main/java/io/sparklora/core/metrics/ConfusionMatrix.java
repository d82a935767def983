package io.sparklora.core.metrics;

import java.util.Arrays;

/**
 * Counts of (true class, predicted class) pairs: {@code count(t, p)} examples of class t were predicted as p. The
 * classification metrics ({@link Accuracy}, {@link MacroF1}, {@link MatthewsCorrelation}) are functions of it, so a
 * distributed evaluation can add the matrices of its parts ({@link #plus}) and compute them once.
 */
public final class ConfusionMatrix {
    private final long[][] counts;

    private ConfusionMatrix(long[][] counts) {
        this.counts = counts;
    }

    /** An empty matrix of numClasses x numClasses. */
    public static ConfusionMatrix empty(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        return new ConfusionMatrix(new long[numClasses][numClasses]);
    }

    /** The matrix of one set of examples: labels[i] is example i's true class, predictions[i] the predicted one. */
    public static ConfusionMatrix of(int[] labels, int[] predictions, int numClasses) {
        MetricInputs.labels(labels, predictions, numClasses);
        long[][] counts = new long[numClasses][numClasses];
        for (int i = 0; i < labels.length; i++) {
            counts[labels[i]][predictions[i]]++;
        }
        return new ConfusionMatrix(counts);
    }

    public int numClasses() {
        return counts.length;
    }

    public long count(int trueClass, int predictedClass) {
        return counts[trueClass][predictedClass];
    }

    /** Examples whose true class is c (row sum). */
    public long trueCount(int c) {
        return Arrays.stream(counts[c]).sum();
    }

    /** Examples predicted as c (column sum). */
    public long predictedCount(int c) {
        long n = 0;
        for (long[] row : counts) {
            n += row[c];
        }
        return n;
    }

    /** Examples predicted right (the diagonal). */
    public long correct() {
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            n += counts[c][c];
        }
        return n;
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) {
            n += Arrays.stream(row).sum();
        }
        return n;
    }

    /** This matrix plus another of the same classes: the matrix of both sets of examples. */
    public ConfusionMatrix plus(ConfusionMatrix other) {
        if (other.numClasses() != numClasses()) {
            throw new IllegalArgumentException("cannot add a " + other.numClasses() + "-class confusion matrix to a "
                    + numClasses() + "-class one");
        }
        long[][] sum = new long[counts.length][counts.length];
        for (int t = 0; t < counts.length; t++) {
            for (int p = 0; p < counts.length; p++) {
                sum[t][p] = counts[t][p] + other.counts[t][p];
            }
        }
        return new ConfusionMatrix(sum);
    }

    /** A copy of the counts, [true class][predicted class]. */
    public long[][] toArray() {
        long[][] copy = new long[counts.length][];
        for (int t = 0; t < counts.length; t++) {
            copy[t] = counts[t].clone();
        }
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && Arrays.deepEquals(counts, m.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix" + Arrays.deepToString(counts);
    }
}
