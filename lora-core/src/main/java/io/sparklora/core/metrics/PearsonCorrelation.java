package io.sparklora.core.metrics;

/**
 * Pearson's correlation coefficient of paired values, as scipy's {@code pearsonr} statistic:
 * Σ(x−x̄)(y−ȳ) / sqrt(Σ(x−x̄)² · Σ(y−ȳ)²), with the means taken first (two passes), in [−1, 1]. NaN when x or y is
 * constant (the coefficient is undefined; scipy returns NaN with a warning). The STS-B metric with
 * {@link SpearmanCorrelation}.
 */
public final class PearsonCorrelation {
    private PearsonCorrelation() {
    }

    public static double of(double[] x, double[] y) {
        MetricInputs.values(x, y);
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) {
            return Double.NaN;
        }
        double r = sxy / Math.sqrt(sxx * syy);
        return Math.max(-1.0, Math.min(1.0, r)); // rounding can step just past ±1
    }

    private static double mean(double[] v) {
        double sum = 0;
        for (double d : v) {
            sum += d;
        }
        return sum / v.length;
    }
}
