package io.sparklora.core.metrics;

/**
 * Matthews correlation coefficient in its multi-class form (Gorodkin's R_K), as scikit-learn's
 * {@code matthews_corrcoef}: with t_k the examples of true class k, p_k those predicted as k, c the correct ones and
 * s all of them,
 *
 * <pre>
 *   MCC = (c·s − Σ t_k·p_k) / sqrt((s² − Σ p_k²) · (s² − Σ t_k²))
 * </pre>
 *
 * For two classes it is (tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)). In [−1, 1]: 1 a perfect predictor, 0
 * no better than chance. When the denominator is 0 (every prediction the same class, or every label) it is 0, as
 * scikit-learn returns. The LoRA paper's CoLA metric.
 */
public final class MatthewsCorrelation {
    private MatthewsCorrelation() {
    }

    public static double of(ConfusionMatrix m) {
        double s = m.total();
        if (s == 0) {
            throw new IllegalArgumentException("Matthews correlation of no examples is undefined");
        }
        double c = m.correct();
        double tp = 0;
        double pp = 0;
        double tt = 0;
        for (int k = 0; k < m.numClasses(); k++) {
            double t = m.trueCount(k);
            double p = m.predictedCount(k);
            tp += t * p;
            pp += p * p;
            tt += t * t;
        }
        double covPredPred = s * s - pp;
        double covTrueTrue = s * s - tt;
        if (covPredPred * covTrueTrue == 0) {
            return 0.0;
        }
        return (c * s - tp) / Math.sqrt(covTrueTrue * covPredPred);
    }

    public static double of(int[] labels, int[] predictions, int numClasses) {
        return of(ConfusionMatrix.of(labels, predictions, numClasses));
    }
}
