package io.sparklora.jobs.report;

import io.sparklora.core.infer.NextTokenModel;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GenerationsTest {
    @TempDir
    static Path dir;
    static TextTokenizer tokenizer;

    @BeforeAll
    static void tokenizer() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, TokenizerBuilder.characterLevel(List.of("the cat sat on the mat.", "a dog"), 40,
                List.of("<|endoftext|>")));
        tokenizer = TextTokenizer.load(file);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void plainTextSplitsAtTheWhitespaceNearestItsMiddle() {
        assertThat(ReportExample.of(TextExample.plain("the cat sat on the mat.")))
                .contains(new ReportExample("the cat sat", " on the mat."));
        assertThat(ReportExample.of(TextExample.plain("abcdef"))).contains(new ReportExample("abc", "def"));
        assertThat(ReportExample.of(TextExample.plain("x"))).isEmpty();
        assertThat(ReportExample.of(new TextExample("Q: 2+2=", " 4"))).contains(new ReportExample("Q: 2+2=", " 4"));
    }

    @Test
    void exactMatchComparesTrimmedText() {
        assertThat(GenerationRow.exactMatch(" on the mat.\n", " on the mat.")).isTrue();
        assertThat(GenerationRow.exactMatch("on the mat", " on the mat.")).isFalse();
        List<GenerationRow> rows = List.of(new GenerationRow("p", "a", "b", "a"), new GenerationRow("p", "c", "c", "c"),
                new GenerationRow("p", "d", "x", "y"), new GenerationRow("p", "e", "x", "e "));
        Map<String, Object> summary = new HashMap<>();
        RunReport.putExactMatch(rows, summary);
        assertThat(summary).containsEntry("exact_match_before", 0.25).containsEntry("exact_match_after", 0.75)
                .containsEntry("generation_examples", 4);
        assertThat(RunReport.table(rows)).contains("exact match: before 25.0% (1/4), after 75.0% (3/4)");
    }

    /** A model that spells {@code answer} after a prompt of {@code promptLength} tokens, then says EOS (or never stops). */
    private static NextTokenModel spelling(int promptLength, String answer, boolean eos) {
        int[] ids = tokenizer.encode(answer);
        return context -> {
            float[] logits = new float[tokenizer.vocabSize()];
            int i = context.length - promptLength;
            int next = i < ids.length ? ids[i] : eos ? tokenizer.eosTokenId().getAsInt() : tokenizer.encode("t")[0];
            logits[next] = 1;
            return logits;
        };
    }

    @Test
    void greedyCompletionStopsAtEosOrAfterTheReferenceLengthPlusSlack() {
        Completions completions = new Completions(tokenizer, true); // this tokenizer has no BOS: none is added
        ReportExample ex = new ReportExample("the cat sat", " on the mat.");
        int promptLength = completions.promptIds(ex).length;
        assertThat(promptLength).isEqualTo(tokenizer.encode("the cat sat").length);

        assertThat(completions.complete(spelling(promptLength, " on the mat.", true), 64, ex)).contains(" on the mat.");
        String runaway = completions.complete(spelling(promptLength, " on the mat.", false), 64, ex).orElseThrow();
        assertThat(tokenizer.encode(runaway)).hasSize(tokenizer.encode(" on the mat.").length + Completions.SLACK);
        assertThat(GenerationRow.exactMatch(runaway, ex.reference())).isFalse();
        assertThat(completions.complete(spelling(0, "x", true), 64, new ReportExample("", "y"))).isEmpty();
    }
}
