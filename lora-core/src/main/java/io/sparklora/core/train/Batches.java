package io.sparklora.core.train;

import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.text.TrainingRow;

import java.util.List;

/** Stacks fixed-length training rows into one flattened batch. */
public final class Batches {
    private Batches() {
    }

    public static TokenBatch of(List<TrainingRow> rows) {
        int t = rows.get(0).length();
        int[] tokens = new int[rows.size() * t];
        int[] targets = new int[rows.size() * t];
        for (int b = 0; b < rows.size(); b++) {
            TrainingRow row = rows.get(b);
            if (row.length() != t) {
                throw new IllegalArgumentException("row " + b + " has length " + row.length() + ", expected " + t);
            }
            System.arraycopy(row.tokens(), 0, tokens, b * t, t);
            System.arraycopy(row.targets(), 0, targets, b * t, t);
        }
        return new TokenBatch(rows.size(), t, tokens, targets);
    }
}
