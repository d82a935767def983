package io.sparklora.core.text;

import io.sparklora.core.engine.SequenceBatch;

import java.util.Arrays;
import java.util.List;

/**
 * One labelled encoder example, unpadded: ids and token types as {@link SentencePairEncoder} builds them, and its
 * label as {@link SequenceBatch} takes it (one class id for single-label; num_labels values for regression and
 * multi-label). Rows are never packed: each is one example. Arrays are copied in and out.
 */
public record ClassificationRow(int[] ids, int[] tokenTypes, double[] labels) implements java.io.Serializable {

    public ClassificationRow {
        if (ids == null || tokenTypes == null || labels == null) {
            throw new IllegalArgumentException("ids, tokenTypes and labels must not be null");
        }
        if (ids.length < 1 || tokenTypes.length != ids.length) {
            throw new IllegalArgumentException("a row needs >= 1 id and one token type per id, got " + ids.length
                    + " ids and " + tokenTypes.length + " types");
        }
        if (labels.length < 1) {
            throw new IllegalArgumentException("a row needs its label");
        }
        ids = ids.clone();
        tokenTypes = tokenTypes.clone();
        labels = labels.clone();
    }

    public static ClassificationRow of(SentencePairEncoder.Encoded encoded, double[] labels) {
        return new ClassificationRow(encoded.ids(), encoded.tokenTypes(), labels);
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public int[] tokenTypes() {
        return tokenTypes.clone();
    }

    @Override
    public double[] labels() {
        return labels.clone();
    }

    public int length() {
        return ids.length;
    }

    /**
     * Rows padded on the right to {@code seqLen} with {@code padId} (attention mask 0), with their labels.
     *
     * @param labelled false for a batch without labels (scoring)
     */
    public static SequenceBatch batch(List<ClassificationRow> rows, int seqLen, int padId, boolean labelled) {
        int n = rows.size();
        int[] ids = new int[n * seqLen];
        int[] types = new int[ids.length];
        int[] mask = new int[ids.length];
        Arrays.fill(ids, padId);
        int perRow = rows.get(0).labels.length;
        double[] labels = labelled ? new double[n * perRow] : null;
        for (int r = 0; r < n; r++) {
            ClassificationRow row = rows.get(r);
            if (row.length() > seqLen) {
                throw new IllegalArgumentException("row " + r + " has " + row.length() + " tokens, more than the batch's "
                        + seqLen);
            }
            if (row.labels.length != perRow) {
                throw new IllegalArgumentException("row " + r + " has " + row.labels.length + " label values, row 0 has "
                        + perRow);
            }
            System.arraycopy(row.ids, 0, ids, r * seqLen, row.length());
            System.arraycopy(row.tokenTypes, 0, types, r * seqLen, row.length());
            Arrays.fill(mask, r * seqLen, r * seqLen + row.length(), 1);
            if (labelled) {
                System.arraycopy(row.labels, 0, labels, r * perRow, perRow);
            }
        }
        return new SequenceBatch(n, seqLen, ids, types, mask, labels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassificationRow other && Arrays.equals(ids, other.ids)
                && Arrays.equals(tokenTypes, other.tokenTypes) && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(tokenTypes)) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "ClassificationRow[ids=" + Arrays.toString(ids) + ", tokenTypes=" + Arrays.toString(tokenTypes)
                + ", labels=" + Arrays.toString(labels) + "]";
    }
}
