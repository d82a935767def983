package io.sparklora.jobs.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean" for misspelt keys: the closest known name within a small edit distance. */
final class Suggestions {
    static final int MAX_DISTANCE = 3;

    private Suggestions() {
    }

    /** The known name closest to {@code typed}, if any is within {@link #MAX_DISTANCE} edits; ties go to the first. */
    static Optional<String> closest(String typed, Collection<String> known) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : known) {
            int d = levenshtein(typed, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
