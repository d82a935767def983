package io.sparklora.core.engine;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;

import java.util.List;
import java.util.Random;

/** Tiny DeBERTa batches shared by its engine tests: rows long enough for the log buckets and the clamp. */
final class DebertaFixtures {
    static final int ROWS = 3;
    /** Longer than position_buckets / 2 (4) and than max_relative_positions (4) of the tiny configs. */
    static final int SEQ = 12;

    /** The two tiny shapes: v3's (buckets, both terms) and v2's other options. */
    enum Shape { V3, V2 }

    private DebertaFixtures() {
    }

    static ModelConfig config(Shape shape, ProblemType problem) {
        List<String> labels = problem == ProblemType.REGRESSION ? List.of("score") : List.of("a", "b", "c");
        return shape == Shape.V3 ? TinyModels.debertaV3(labels, problem) : TinyModels.debertaV2(labels, problem);
    }

    /**
     * Three rows: a full sentence pair (types 0 then 1 as the tokenizer gives them; a model without types ignores
     * them), a row padded after 9 tokens and one after 6; padding uses pad_token_id.
     */
    static SequenceBatch batch(ModelConfig c, long seed) {
        Random rng = new Random(seed);
        int n = ROWS * SEQ;
        int pad = c.encoderConfig().padTokenId();
        int[] tokens = new int[n];
        int[] types = new int[n];
        int[] mask = new int[n];
        int[] lengths = {SEQ, 9, 6};
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < SEQ; i++) {
                int k = r * SEQ + i;
                boolean real = i < lengths[r];
                int id;
                do {
                    id = rng.nextInt(TinyModels.VOCAB);
                } while (id == pad);
                tokens[k] = real ? id : pad;
                mask[k] = real ? 1 : 0;
                types[k] = r == 0 && i >= 7 ? 1 : 0;
            }
        }
        tokens[SEQ + 1] = tokens[2]; // a repeated id: its embedding row's gradient is a sum
        return new SequenceBatch(ROWS, SEQ, tokens, types, mask, EncoderFixtures.labels(c, rng));
    }
}
