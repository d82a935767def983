package io.sparklora.core.metrics;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation, as scipy's {@code spearmanr} statistic: Pearson's correlation of the ranks, tied
 * values sharing the average of the ranks they span (scipy's {@code rankdata(method="average")}). NaN when x or y is
 * constant, as Pearson's.
 */
public final class SpearmanCorrelation {
    private SpearmanCorrelation() {
    }

    public static double of(double[] x, double[] y) {
        MetricInputs.values(x, y);
        return PearsonCorrelation.of(averageRanks(x), averageRanks(y));
    }

    /** Ranks 1..n in ascending order; a run of equal values gets the mean of its ranks, e.g. [10, 20, 20, 5] → [2, 3.5, 3.5, 1]. */
    public static double[] averageRanks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] ranks = new double[v.length];
        int start = 0;
        while (start < v.length) {
            int end = start;
            while (end + 1 < v.length && v[order[end + 1]] == v[order[start]]) {
                end++;
            }
            double rank = (start + end) / 2.0 + 1; // the mean of ranks start+1 .. end+1
            for (int k = start; k <= end; k++) {
                ranks[order[k]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }
}
