package io.sparklora.core.testing;

import io.sparklora.core.text.TrainingRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small deterministic token rows for training tests. */
public final class TinyData {
    private TinyData() {
    }

    /** {@code count} rows of {@code seqLen} random tokens with next-token targets (the last position masked). */
    public static List<TrainingRow> rows(int count, int seqLen, long seed) {
        Random rng = new Random(seed);
        List<TrainingRow> rows = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            int[] seq = new int[seqLen + 1];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = rng.nextInt(TinyModels.VOCAB);
            }
            int[] tokens = java.util.Arrays.copyOf(seq, seqLen);
            int[] targets = java.util.Arrays.copyOfRange(seq, 1, seqLen + 1);
            rows.add(new TrainingRow(tokens, targets));
        }
        return rows;
    }
}
