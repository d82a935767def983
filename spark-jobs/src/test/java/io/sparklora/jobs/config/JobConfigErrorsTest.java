package io.sparklora.jobs.config;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

import static io.sparklora.jobs.config.JobFiles.MINIMAL;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of mistake gives one message that names the place, the key and the fix. */
class JobConfigErrorsTest {

    private static AbstractThrowableAssert<?, ? extends Throwable> failing(String yaml, String... overrides) {
        return assertThatThrownBy(() -> JobFiles.parse(yaml, overrides)).isInstanceOf(JobConfigException.class);
    }

    @Test
    void yamlSyntaxErrorGivesLineAndColumn() {
        failing("model:\n  path: /m\n  tokenizer: [a, b\n")
                .hasMessageStartingWith("YAML syntax error in job.yaml at line 4, column 1: ");
        failing("model:\n  path: /m\n path: /x\n")
                .hasMessageStartingWith("YAML syntax error in job.yaml at line 3, column ");
    }

    @Test
    void duplicateKeysAreSyntaxErrors() {
        failing(MINIMAL + "lora:\n  r: 4\n  r: 8\n")
                .hasMessageStartingWith("YAML syntax error in job.yaml at line 9, column 3: found duplicate key r");
    }

    @Test
    void javaTypeTagsAreRefused() {
        failing("model: !!java.io.File [/etc/passwd]\n")
                .hasMessageStartingWith("YAML syntax error in job.yaml at line 1")
                .hasMessageContaining("Global tag is not allowed");
    }

    @Test
    void unknownKeySuggestsTheClosest() {
        failing(MINIMAL + "train:\n  learning_rte: 1e-4\n")
                .hasMessage("unknown key train.learning_rte in job.yaml; did you mean train.learning_rate?");
    }

    @Test
    void unknownKeyInTheWrongSectionPointsToTheRightOne() {
        failing(MINIMAL + "train:\n  max_seq_len: 64\n")
                .hasMessage("unknown key train.max_seq_len in job.yaml; did you mean data.max_seq_len?");
    }

    @Test
    void unknownKeyWithoutNeighbourListsTheSectionsKeys() {
        failing(MINIMAL + "eval:\n  frequency: 3\n")
                .hasMessage("unknown key eval.frequency in job.yaml; the keys of eval are every_rounds, max_rows");
    }

    @Test
    void unknownSectionAndSeveralUnknownKeysAreListedTogether() {
        failing(MINIMAL + "trian:\n  rounds: 3\nlora:\n  rank: 4\nspark:\n  master: local\n")
                .hasMessage("3 unknown keys:\n"
                        + "  unknown key trian in job.yaml; did you mean train?\n"
                        + "  unknown key lora.rank in job.yaml; did you mean lora.r?\n"
                        + "  unknown key spark in job.yaml; the sections are model, lora, data, task, train, distributed,"
                        + " eval, checkpoint, output");
    }

    @Test
    void wrongTypesNameKeyAndValue() {
        failing(MINIMAL + "lora:\n  r: eight\n").hasMessage("job.yaml: lora.r must be an integer, got \"eight\"");
        failing(MINIMAL + "lora:\n  r: 8.5\n").hasMessage("job.yaml: lora.r must be an integer, got 8.5");
        failing(MINIMAL + "lora:\n  use_rslora: maybe\n")
                .hasMessage("job.yaml: lora.use_rslora must be true or false, got \"maybe\"");
        failing(MINIMAL, "train.learning_rate=fast")
                .hasMessage("--set train.learning_rate=fast: train.learning_rate must be a number, got \"fast\"");
        failing(MINIMAL, "data.text_column=42")
                .hasMessage("--set data.text_column=42: data.text_column must be a string, got 42; quote it: \"42\"");
        failing(MINIMAL, "lora.target_modules=7")
                .hasMessageContaining("lora.target_modules must be a non-empty list of module names");
        failing("model: /m\n").hasMessageStartingWith("job.yaml: model must be a mapping of keys");
        failing("- a\n- b\n").hasMessageStartingWith("job.yaml must be a mapping of sections (model, lora,");
    }

    @Test
    void outOfRangeValuesNameTheFullKey() {
        failing(MINIMAL, "train.learning_rate=-1")
                .hasMessage("--set train.learning_rate=-1: train.learning_rate must be > 0, got -1.0");
        failing(MINIMAL + "lora:\n  r: 0\n").hasMessage("job.yaml: lora.r must be > 0, got 0");
        failing(MINIMAL + "lora:\n  dropout: 1\n").hasMessage("job.yaml: lora.dropout must be in [0.0, 1.0), got 1.0");
        failing(MINIMAL, "data.validation_fraction=0.5")
                .hasMessageContaining("data.validation_fraction must be in [0.0, 0.5), got 0.5");
        failing(MINIMAL, "data.max_bad_row_fraction=1.5")
                .hasMessageContaining("data.max_bad_row_fraction must be in [0.0, 1.0], got 1.5");
        failing(MINIMAL, "checkpoint.keep=0").hasMessageContaining("checkpoint.keep must be > 0, got 0");
        failing(MINIMAL, "data.block_examples=0")
                .hasMessageContaining("data.block_examples must be >= 1, got 0; the default is 1024");
    }

    @Test
    void missingRequiredKeysAreListed() {
        failing("model:\n  path: /m\noutput:\n  path: /o\n")
                .hasMessage("missing required key data.path (or data.table, or data.sql) in job.yaml;"
                        + " add it to the file or pass --set data.path=<path>");
        failing("")
                .hasMessageStartingWith("missing required keys model.path, data.path (or data.table, or data.sql), output.path in job.yaml");
    }

    @Test
    void batchRowsAndBatchTokensExcludeEachOther() {
        failing(MINIMAL + "train:\n  batch_rows: 16\n  batch_tokens: 4096\n")
                .hasMessageStartingWith("job.yaml: set train.batch_rows or train.batch_tokens, not both");
    }

    @Test
    void roundsAndEpochsExcludeEachOther() {
        failing(MINIMAL + "train:\n  rounds: 10\n", "train.epochs=2")
                .hasMessageStartingWith("job.yaml and --set train.epochs=2: set train.rounds or train.epochs, not both")
                .hasMessageContaining("an empty --set train.rounds=");
    }

    @Test
    void promptColumnNeedsCompletionColumn() {
        failing(MINIMAL, "data.prompt_column=question")
                .hasMessage("--set data.prompt_column=question: data.prompt_column needs data.completion_column:"
                        + " set both for prompt/completion examples, or neither for plain text from data.text_column");
        failing(MINIMAL, "data.completion_column=answer")
                .hasMessageStartingWith("--set data.completion_column=answer: data.completion_column needs"
                        + " data.prompt_column");
    }

    @Test
    void batchRowsMustSplitOverWorkersAndTheMessageSaysWhichWould() {
        failing(MINIMAL + "train:\n  batch_rows: 15\n")
                .hasMessage("job.yaml: train.batch_rows (15) must be a multiple of distributed.workers (2);"
                        + " use train.batch_rows 14 or 16 or change distributed.workers");
        failing(MINIMAL, "distributed.workers=32")
                .hasMessageContaining("use train.batch_rows 32 or change distributed.workers");
        failing(MINIMAL + "train:\n  batch_tokens: 2000\n")
                .hasMessage("job.yaml: train.batch_tokens (2000) / data.max_seq_len (128) gives 15 rows, which is not"
                        + " a positive multiple of distributed.workers (2); use train.batch_tokens 1792 or 2048");
    }

    @Test
    void setNeedsKeyEqualsValue() {
        failing(MINIMAL, "lora.r").hasMessage("--set lora.r: expected section.key=value, e.g. --set lora.r=16");
        failing(MINIMAL, "lora=4").hasMessage("--set lora=4: name one key of lora, e.g. lora.r");
    }

    @Test
    void setWithUnknownKeySuggestsTheClosest() {
        failing(MINIMAL, "train.learning_rte=1e-4")
                .hasMessage("unknown key train.learning_rte in --set train.learning_rte=1e-4;"
                        + " did you mean train.learning_rate?");
        failing(MINIMAL, "trian.rounds=4")
                .hasMessage("unknown key trian in --set trian.rounds=4; did you mean train?");
    }

    @Test
    void setWithInvalidYamlIsReported() {
        failing(MINIMAL, "lora.target_modules=[q_proj")
                .hasMessageStartingWith("--set lora.target_modules=[q_proj: the value is not valid YAML");
    }

    @Test
    void outputPathMustDifferFromModelPath() {
        failing(MINIMAL, "output.path=hdfs://nn/models/tiny-llama/")
                .hasMessage("--set output.path=hdfs://nn/models/tiny-llama/: output.path must differ from model.path"
                        + " (both are hdfs://nn/models/tiny-llama/); choose a new directory for the adapter and"
                        + " checkpoints");
    }

    @Test
    void badEnumValuesListTheAllowedOnes() {
        failing(MINIMAL, "data.format=xml")
                .hasMessage("--set data.format=xml: data.format must be one of jsonl, json, parquet, csv, text, delta, iceberg,"
                        + " got \"xml\"");
        failing(MINIMAL + "train:\n  schedule: exponential\n")
                .hasMessage("job.yaml: train.schedule must be one of constant, linear, cosine, got \"exponential\"");
        failing(MINIMAL, "distributed.averaging=mean")
                .hasMessageContaining("distributed.averaging must be one of gradient, parameter");
        failing(MINIMAL, "train.nan_policy=ignore").hasMessageContaining("train.nan_policy must be one of stop, skip");
        failing(MINIMAL, "data.long_rows=drop").hasMessageContaining("data.long_rows must be one of truncate, reject");
    }

    @Test
    void syncEveryOnlyWithParameterAveraging() {
        failing(MINIMAL, "distributed.sync_every=2")
                .hasMessageStartingWith("--set distributed.sync_every=2: distributed.sync_every applies only to"
                        + " distributed.averaging: parameter");
    }

    @Test
    void validationComesFromOneSource() {
        failing(MINIMAL, "data.validation_path=/v", "data.validation_fraction=0.1")
                .hasMessageContaining("data.validation_fraction must be 0 when data.validation_path is set");
    }
}
