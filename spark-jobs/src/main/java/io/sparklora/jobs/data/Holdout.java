package io.sparklora.jobs.data;

import io.sparklora.core.text.RowBlocks;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which numbered examples of a dataset are validation examples: none, all (a separate validation dataset), or those
 * {@link RowBlocks#heldOut} picks for the seed and fraction. A function of the example's number only.
 */
record Holdout(long seed, double fraction, boolean all) implements java.io.Serializable {
    static Holdout none() {
        return new Holdout(0, 0, false);
    }

    static Holdout everything() {
        return new Holdout(0, 0, true);
    }

    static Holdout fraction(long seed, double fraction) {
        return new Holdout(seed, fraction, false);
    }

    boolean validation(long example) {
        return all || RowBlocks.heldOut(seed, example, fraction);
    }

    boolean any() {
        return all || fraction > 0;
    }

    /** The numbers of the first {@code n} validation examples among {@code examples}. */
    Set<Long> first(long examples, int n) {
        Set<Long> out = new LinkedHashSet<>();
        for (long i = 0; i < examples && out.size() < n && any(); i++) {
            if (validation(i)) {
                out.add(i);
            }
        }
        return out;
    }
}
