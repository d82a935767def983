package io.sparklora.core.train;

import io.sparklora.core.metrics.Accuracy;
import io.sparklora.core.metrics.ConfusionMatrix;
import io.sparklora.core.metrics.MacroF1;
import io.sparklora.core.metrics.MatthewsCorrelation;
import io.sparklora.core.metrics.MultiLabelMetrics;
import io.sparklora.core.metrics.PearsonCorrelation;
import io.sparklora.core.metrics.SpearmanCorrelation;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.text.ClassificationRow;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier's evaluation over rows, dropout off: the loss sum and its divisor, and per row the true and the
 * predicted label (single-label: class ids, the prediction the most probable class; regression with one label:
 * the values; multi-label: num_labels 0/1 indicators per row, a label predicted when its probability is at least
 * {@link #MULTI_LABEL_THRESHOLD}). Parts of a distributed evaluation add up ({@link #plus}) in shard order, and the
 * metrics are computed once from the whole: loss, accuracy, macro-F1 and Matthews correlation for single-label,
 * Pearson and Spearman for regression, subset accuracy, micro-F1 and macro-F1 for multi-label.
 */
public record ClassificationEvaluation(double lossSum, long count, double[] labels, double[] predicted)
        implements java.io.Serializable {
    /** A multi-label prediction holds label j when sigmoid(logit j) is at least this. */
    public static final double MULTI_LABEL_THRESHOLD = 0.5;

    public static ClassificationEvaluation empty() {
        return new ClassificationEvaluation(0, 0, new double[0], new double[0]);
    }

    public static ClassificationEvaluation of(ClassifierRows engine, List<ClassificationRow> rows, int batchRows) {
        ProblemType problem = engine.model().encoder().problemType();
        int numLabels = engine.model().encoder().numLabels();
        boolean multi = problem == ProblemType.MULTI_LABEL;
        boolean perRow = problem == ProblemType.SINGLE_LABEL || numLabels == 1 && problem == ProblemType.REGRESSION;
        ClassificationEvaluation total = empty();
        for (int start = 0; start < rows.size(); start += batchRows) {
            List<ClassificationRow> batch = rows.subList(start, Math.min(rows.size(), start + batchRows));
            Evaluation.Result loss = engine.evaluate(batch);
            int width = multi ? numLabels : 1;
            double[] labels = new double[perRow || multi ? batch.size() * width : 0];
            double[] predicted = new double[labels.length];
            if (labels.length > 0) {
                double[][] p = engine.predictions(batch);
                for (int r = 0; r < batch.size(); r++) {
                    if (multi) {
                        System.arraycopy(batch.get(r).labels(), 0, labels, r * width, width);
                        for (int j = 0; j < width; j++) {
                            predicted[r * width + j] = p[r][j] >= MULTI_LABEL_THRESHOLD ? 1 : 0;
                        }
                    } else {
                        labels[r] = batch.get(r).labels()[0];
                        predicted[r] = problem == ProblemType.SINGLE_LABEL ? argmax(p[r]) : p[r][0];
                    }
                }
            }
            total = total.plus(new ClassificationEvaluation(loss.lossSum(), loss.tokens(), labels, predicted));
        }
        return total;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    public ClassificationEvaluation plus(ClassificationEvaluation o) {
        return new ClassificationEvaluation(lossSum + o.lossSum, count + o.count, concat(labels, o.labels),
                concat(predicted, o.predicted));
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** The rows evaluated that carry labels and predictions (multi-label: num_labels values each). */
    public int rows(ProblemType problem, int numLabels) {
        return problem == ProblemType.MULTI_LABEL ? labels.length / numLabels : labels.length;
    }

    /** The per-label counts of a multi-label evaluation. */
    public MultiLabelMetrics multiLabel(int numLabels) {
        return MultiLabelMetrics.of(labels, predicted, numLabels);
    }

    /** The confusion matrix of a single-label evaluation. */
    public ConfusionMatrix confusion(int numLabels) {
        return ConfusionMatrix.of(asInts(labels), asInts(predicted), numLabels);
    }

    private static int[] asInts(double[] v) {
        return Arrays.stream(v).mapToInt(x -> (int) x).toArray();
    }

    /**
     * The metrics by name, in a fixed order: loss, then accuracy, macro_f1, mcc (single-label), pearson, spearman
     * (regression) or subset_accuracy, micro_f1, macro_f1 (multi-label); a correlation of fewer than 2 rows, or of
     * constant values, is NaN.
     */
    public Map<String, Double> metrics(ProblemType problem, int numLabels) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", meanLoss());
        if (labels.length == 0) {
            return out;
        }
        if (problem == ProblemType.SINGLE_LABEL) {
            ConfusionMatrix m = confusion(numLabels);
            out.put("accuracy", Accuracy.of(m));
            out.put("macro_f1", MacroF1.of(m));
            out.put("mcc", MatthewsCorrelation.of(m));
        } else if (problem == ProblemType.REGRESSION) {
            out.put("pearson", correlation(true));
            out.put("spearman", correlation(false));
        } else if (problem == ProblemType.MULTI_LABEL) {
            MultiLabelMetrics m = multiLabel(numLabels);
            out.put("subset_accuracy", m.subsetAccuracy());
            out.put("micro_f1", m.microF1());
            out.put("macro_f1", m.macroF1());
        }
        return out;
    }

    private double correlation(boolean pearson) {
        try {
            return pearson ? PearsonCorrelation.of(predicted, labels) : SpearmanCorrelation.of(predicted, labels);
        } catch (IllegalArgumentException tooFewOrConstant) {
            return Double.NaN;
        }
    }
}
