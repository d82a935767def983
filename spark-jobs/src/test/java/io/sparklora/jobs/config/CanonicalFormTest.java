package io.sparklora.jobs.config;

import java.util.List;
import org.junit.jupiter.api.Test;

import static io.sparklora.jobs.config.JobFiles.FULL;
import static io.sparklora.jobs.config.JobFiles.MINIMAL;
import static io.sparklora.jobs.config.JobFiles.parse;
import static org.assertj.core.api.Assertions.assertThat;

class CanonicalFormTest {

    @Test
    void toYamlReadsBackToAnEqualConfig() {
        for (String yaml : new String[] {FULL, MINIMAL}) {
            JobConfig c = parse(yaml);
            JobConfig again = parse(c.toYaml());

            assertThat(again).isEqualTo(c);
            assertThat(again.toMap()).isEqualTo(c.toMap());
        }
    }

    @Test
    void writesResolvedValuesInSchemaOrder() {
        JobConfig c = parse(MINIMAL + "train:\n  batch_tokens: 1024\n");

        // A decoder job has no task section: its canonical form (and fingerprint) is what it was before there was one.
        List<String> sections = ConfigSchema.KEYS.keySet().stream().filter(s -> !s.equals("task")).toList();
        assertThat(c.toMap().keySet()).containsExactlyElementsOf(sections);
        assertThat(c.toYaml())
                .contains("  batch_rows: 8\n")
                .doesNotContain("batch_tokens")
                .contains("  tokenizer: hdfs://nn/models/tiny-llama/tokenizer.json\n")
                .contains("  format: jsonl\n")
                .doesNotContain("prompt_column")
                .doesNotContain("sync_every");
    }

    @Test
    void fingerprintIgnoresKeyOrderAndSpelling() {
        String reordered = """
                output: {path: "hdfs://nn/runs/r1"}
                train:
                  learning_rate: 0.0002
                  rounds: 100
                data: {path: hdfs://nn/data/train.jsonl, format: JSONL}
                model:
                  path: hdfs://nn/models/tiny-llama
                lora: {alpha: 16, r: 8}
                """;

        assertThat(parse(reordered).fingerprint()).isEqualTo(parse(MINIMAL).fingerprint());
    }

    @Test
    void fingerprintIsAStableSha256() {
        String fp = parse(FULL).fingerprint();

        assertThat(fp).hasSize(64).matches("[0-9a-f]+").isEqualTo(parse(FULL).fingerprint());
    }

    @Test
    void trainingSettingsChangeTheFingerprint() {
        String base = parse(MINIMAL).fingerprint();

        assertThat(parse(MINIMAL, "lora.r=16").fingerprint()).isNotEqualTo(base);
        assertThat(parse(MINIMAL, "train.learning_rate=1e-3").fingerprint()).isNotEqualTo(base);
        assertThat(parse(MINIMAL, "data.max_seq_len=64").fingerprint()).isNotEqualTo(base);
        assertThat(parse(MINIMAL, "data.block_examples=64").fingerprint()).isNotEqualTo(base);
        assertThat(parse(MINIMAL, "distributed.workers=4").fingerprint()).isNotEqualTo(base);
    }

    @Test
    void outputAndCadenceDoNotChangeTheFingerprint() {
        String base = parse(MINIMAL).fingerprint();

        assertThat(parse(MINIMAL, "output.path=hdfs://nn/runs/elsewhere").fingerprint()).isEqualTo(base);
        assertThat(parse(MINIMAL, "eval.every_rounds=5", "eval.max_rows=16").fingerprint()).isEqualTo(base);
        assertThat(parse(MINIMAL, "checkpoint.every_rounds=10", "checkpoint.keep=9").fingerprint()).isEqualTo(base);
    }
}
