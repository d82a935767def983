package io.sparklora.core.train;

import io.sparklora.core.engine.TokenBatch;

import java.util.Set;
import java.util.SplittableRandom;

/**
 * BERT's masking for masked-language pretraining, as transformers' DataCollatorForLanguageModeling draws it: each
 * token that is not special is chosen with probability 0.15; a chosen token becomes [MASK] 80% of the time, a random
 * token of the vocabulary 10%, and stays itself 10%; the loss predicts the original token at every chosen position.
 * One departure: a row where no token was chosen gets one chosen uniformly, so a small batch always has a target.
 * A pure function of the seed, so a retried or resumed step masks the same positions.
 *
 * @param specialIds ids never chosen ([CLS], [SEP], [PAD], ...)
 */
public record MlmMasking(int maskId, int vocabSize, Set<Integer> specialIds) {
    public static final double MASK_PROBABILITY = 0.15;
    public static final double REPLACE_WITH_MASK = 0.8;
    public static final double REPLACE_WITH_RANDOM = 0.1;

    public MlmMasking {
        specialIds = Set.copyOf(specialIds);
        if (maskId < 0 || maskId >= vocabSize) {
            throw new IllegalArgumentException("mask id " + maskId + " is outside the vocabulary of " + vocabSize);
        }
    }

    /** The masked input and its targets. */
    public record Masked(int[] input, int[] targets) {
    }

    /** Masks one row of ids (its first {@code length} ids; the rest is padding and never chosen). */
    public Masked mask(int[] ids, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] input = ids.clone();
        int[] targets = new int[ids.length];
        java.util.Arrays.fill(targets, TokenBatch.IGNORE);
        int candidates = 0;
        boolean any = false;
        for (int i = 0; i < length; i++) {
            if (specialIds.contains(ids[i])) {
                continue;
            }
            candidates++;
            if (rng.nextDouble() < MASK_PROBABILITY) {
                choose(input, targets, ids, i, rng);
                any = true;
            }
        }
        if (!any && candidates > 0) {
            int pick = rng.nextInt(candidates);
            for (int i = 0; i < length; i++) {
                if (!specialIds.contains(ids[i]) && pick-- == 0) {
                    choose(input, targets, ids, i, rng);
                    break;
                }
            }
        }
        return new Masked(input, targets);
    }

    private void choose(int[] input, int[] targets, int[] ids, int i, SplittableRandom rng) {
        targets[i] = ids[i];
        double r = rng.nextDouble();
        if (r < REPLACE_WITH_MASK) {
            input[i] = maskId;
        } else if (r < REPLACE_WITH_MASK + REPLACE_WITH_RANDOM) {
            input[i] = rng.nextInt(vocabSize);
        }
    }
}
