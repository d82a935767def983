package io.sparklora.core.engine;

import java.util.Arrays;

/**
 * Rows of an encoder batch, each padded to T tokens: ids, token types and attention mask [rows·T], and the labels.
 *
 * @param tokenTypes    segment ids (0 for the first text, 1 for the second); all 0 for models without them
 * @param attentionMask 1 for a real token, 0 for padding; the first token of a row must be real
 * @param labels        null when scoring; single-label: one class id per row; regression and multi-label:
 *                      num_labels values per row (multi-label: 0 or 1)
 */
public record SequenceBatch(int rows, int seqLen, int[] tokens, int[] tokenTypes, int[] attentionMask, double[] labels) {
    public SequenceBatch {
        if (rows <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("a batch needs rows > 0 and seqLen > 0, got " + rows + " x " + seqLen);
        }
        int n = rows * seqLen;
        check("tokens", tokens, n);
        check("tokenTypes", tokenTypes, n);
        check("attentionMask", attentionMask, n);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < seqLen; t++) {
                int m = attentionMask[r * seqLen + t];
                if (m != 0 && m != 1) {
                    throw new IllegalArgumentException("attention mask value " + m + " at row " + r + ", position " + t
                            + " is neither 0 nor 1");
                }
            }
            if (attentionMask[r * seqLen] == 0) {
                throw new IllegalArgumentException("row " + r + " starts with padding: the classifier reads the first token"
                        + " ([CLS] / <s>), so rows are padded on the right");
            }
        }
    }

    /** A batch for scoring: no labels. */
    public static SequenceBatch unlabelled(int rows, int seqLen, int[] tokens, int[] tokenTypes, int[] attentionMask) {
        return new SequenceBatch(rows, seqLen, tokens, tokenTypes, attentionMask, null);
    }

    private static void check(String what, int[] values, int n) {
        if (values == null || values.length != n) {
            throw new IllegalArgumentException(what + " must hold rows·seqLen = " + n + " values, got "
                    + (values == null ? "null" : values.length));
        }
    }

    @Override
    public String toString() {
        return "SequenceBatch[" + rows + " x " + seqLen + ", labels " + (labels == null ? "none" : Arrays.toString(labels)) + "]";
    }
}
