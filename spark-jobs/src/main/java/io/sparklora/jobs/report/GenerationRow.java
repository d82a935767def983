package io.sparklora.jobs.report;

import java.io.Serializable;

/** One example's greedy completions: by the base model (θ at its initialisation, B = 0) and by the trained adapter. */
public record GenerationRow(String prompt, String reference, String base, String adapted) implements Serializable {
    public boolean baseExact() {
        return exactMatch(base, reference);
    }

    public boolean adaptedExact() {
        return exactMatch(adapted, reference);
    }

    /** Exact match after trimming leading and trailing whitespace on both sides. */
    public static boolean exactMatch(String generated, String reference) {
        return generated != null && reference != null && generated.strip().equals(reference.strip());
    }
}
