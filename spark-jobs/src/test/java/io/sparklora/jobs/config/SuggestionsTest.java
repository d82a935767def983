package io.sparklora.jobs.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SuggestionsTest {

    @Test
    void levenshteinCountsEdits() {
        assertThat(Suggestions.levenshtein("learning_rte", "learning_rate")).isEqualTo(1);
        assertThat(Suggestions.levenshtein("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.levenshtein("", "abc")).isEqualTo(3);
        assertThat(Suggestions.levenshtein("same", "same")).isZero();
    }

    @Test
    void suggestsOnlyWithinThreeEdits() {
        List<String> known = List.of("rounds", "epochs", "seed");

        assertThat(Suggestions.closest("round", known)).contains("rounds");
        assertThat(Suggestions.closest("epoch_count", known)).isEmpty();
    }
}
