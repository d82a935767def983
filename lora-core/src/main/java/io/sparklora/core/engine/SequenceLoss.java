package io.sparklora.core.engine;

import io.sparklora.core.model.ProblemType;

/**
 * The head's loss as a sum, with its gradient over the logits [B, L], as Hugging Face's sequence classifiers
 * compute it before taking the mean: cross-entropy (single-label), squared error (regression), sigmoid binary
 * cross-entropy (multi-label). {@link #count} is what the mean divides by, so lossSum / count is Hugging Face's loss
 * and micro-batches and workers add up.
 */
final class SequenceLoss {
    private SequenceLoss() {
    }

    /** rows for cross-entropy, rows · num_labels for the element-wise losses. */
    static long count(ProblemType problem, int rows, int labels) {
        return problem == ProblemType.SINGLE_LABEL ? rows : (long) rows * labels;
    }

    /**
     * logits, dLogits: [B·L] row-major; returns the loss sum and, when dLogits is not null, writes d(sum)/d(logits).
     */
    static double apply(ProblemType problem, double[] logits, int numLabels, double[] labels, double[] dLogits) {
        int rows = logits.length / numLabels;
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * numLabels;
            switch (problem) {
                case SINGLE_LABEL -> {
                    int target = (int) labels[r];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < numLabels; j++) {
                        max = Math.max(max, logits[o + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < numLabels; j++) {
                        sum += Math.exp(logits[o + j] - max);
                    }
                    double logSum = max + Math.log(sum);
                    loss += logSum - logits[o + target];
                    if (dLogits != null) {
                        for (int j = 0; j < numLabels; j++) {
                            dLogits[o + j] = Math.exp(logits[o + j] - logSum) - (j == target ? 1 : 0);
                        }
                    }
                }
                case REGRESSION -> {
                    for (int j = 0; j < numLabels; j++) {
                        double e = logits[o + j] - labels[o + j];
                        loss += e * e;
                        if (dLogits != null) {
                            dLogits[o + j] = 2 * e;
                        }
                    }
                }
                case MULTI_LABEL -> {
                    for (int j = 0; j < numLabels; j++) {
                        double z = logits[o + j];
                        double y = labels[o + j];
                        // max(z, 0) − z·y + log(1 + e^−|z|): stable for any z
                        loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
                        if (dLogits != null) {
                            dLogits[o + j] = 1 / (1 + Math.exp(-z)) - y;
                        }
                    }
                }
            }
        }
        return loss;
    }

    /** The model's prediction per row: class probabilities (softmax or per-label sigmoid) or, for regression, the values. */
    static double[] predictions(ProblemType problem, double[] logits, int numLabels) {
        double[] p = logits.clone();
        int rows = logits.length / numLabels;
        for (int r = 0; r < rows; r++) {
            int o = r * numLabels;
            if (problem == ProblemType.SINGLE_LABEL) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < numLabels; j++) {
                    max = Math.max(max, logits[o + j]);
                }
                double sum = 0;
                for (int j = 0; j < numLabels; j++) {
                    p[o + j] = Math.exp(logits[o + j] - max);
                    sum += p[o + j];
                }
                for (int j = 0; j < numLabels; j++) {
                    p[o + j] /= sum;
                }
            } else if (problem == ProblemType.MULTI_LABEL) {
                for (int j = 0; j < numLabels; j++) {
                    p[o + j] = 1 / (1 + Math.exp(-logits[o + j]));
                }
            }
        }
        return p;
    }
}
