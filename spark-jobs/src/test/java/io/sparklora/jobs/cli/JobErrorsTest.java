package io.sparklora.jobs.cli;

import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.CliRuns.Result;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.SparkLoraMain.TRAINING_ERROR;
import static io.sparklora.jobs.testing.CliRuns.assertNoAdapter;
import static io.sparklora.jobs.testing.CliRuns.assertUnchanged;
import static io.sparklora.jobs.testing.CliRuns.snapshot;
import static io.sparklora.jobs.testing.CliRuns.train;
import static io.sparklora.jobs.testing.CliRuns.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real CLI end to end on Spark local mode: each configuration mistake exits with its code and one message naming
 * the file, key or path and the fix, writes no adapter and leaves the user's files alone.
 */
class JobErrorsTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path data;

    @TempDir
    Path dir;
    Path output;
    Path config;
    Map<Path, byte[]> inputs;

    @BeforeAll
    static void tinyModelAndData() throws Exception {
        model = TinyJob.model(shared);
        data = TinyJob.dataset(shared).getParent();
    }

    @BeforeEach
    void paths() {
        output = dir.resolve("out");
        config = dir.resolve("job.yaml");
    }

    private String validYaml() {
        return CliRuns.yaml(model, CliRuns.jsonl(data), output);
    }

    /** Writes the job file, then remembers every input's bytes. */
    private void job(String yaml) {
        write(config, yaml);
        inputs = snapshot(config, model, data);
    }

    private void assertNothingWrittenAndInputsUnchanged() {
        assertNoAdapter(output);
        assertNoAdapter(model);
        assertUnchanged(inputs, config, model, data);
    }

    @Test
    void yamlSyntaxErrorNamesFileLineAndColumn() {
        job(validYaml().replace("  r: 4\n", "  r: [4\n"));
        String message = train(config).failsWith(CONFIG_ERROR, "configuration error: YAML syntax error in " + config);
        assertThat(message).containsPattern("at line \\d+, column \\d+");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void unknownKeySuggestsTheRightOne() {
        job(validYaml().replace("  learning_rate: 0.01\n", "  learning_rte: 0.01\n"));
        String message = train(config).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("unknown key train.learning_rte in " + config)
                .contains("did you mean train.learning_rate?");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void wrongTypeNamesKeyAndValue() {
        job(validYaml().replace("  r: 4\n", "  r: eight\n"));
        String message = train(config).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains(config.toString()).contains("lora.r must be an integer, got \"eight\"");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void missingOutputPathSaysHowToGiveIt() {
        job(validYaml().replace("output:\n  path: " + output + "\n", ""));
        String message = train(config).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("missing required key output.path in " + config)
                .contains("--set output.path=<path>");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void setWithoutEqualsShowsTheForm() {
        job(validYaml());
        String message = train(config, "lora.r").failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("--set lora.r").contains("expected section.key=value");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void setOfUnknownKeySuggestsTheRightOne() {
        job(validYaml());
        String message = train(config, "lora.rank=8").failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("unknown key lora.rank in --set lora.rank=8").contains("did you mean lora.r?");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void configFileNotFoundNamesThePath() {
        job(validYaml());
        Path missing = dir.resolve("jbo.yaml");
        String message = train(missing).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("job config file not found: " + missing);
        assertThat(missing).doesNotExist();
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void optionWithoutValueIsAUsageError() {
        job(validYaml());
        Result result = CliRuns.run("train", "--config", config.toString(), "--set");
        assertThat(result.code()).as("exit code; stderr was:%n%s", result.err()).isEqualTo(CONFIG_ERROR);
        // A usage error: one message line, then the usage text, and no stack trace.
        assertThat(result.err().lines().findFirst()).hasValue("--set needs a value, e.g. --set lora.r=16");
        assertThat(result.err()).contains("usage: sparklora train --config <job.yaml>").doesNotContain("Exception");
        Result noConfig = CliRuns.run("train", "--config");
        assertThat(noConfig.code()).isEqualTo(CONFIG_ERROR);
        assertThat(noConfig.err()).startsWith("--config needs a value, e.g. --config job.yaml\nusage: ");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void taskFailuresAreUnwrappedFromTheCauseChainOrTheMessage() {
        var wrapped = new RuntimeException("Job aborted due to stage failure: Lost task 0.0: "
                + "io.sparklora.jobs.data.DataException: too long; raise data.max_seq_len\n\tat x.y(Z.java:1)",
                new io.sparklora.jobs.data.DataException("too long; raise data.max_seq_len"));
        assertThat(SparkLoraMain.fromTask(wrapped, io.sparklora.jobs.data.DataException.class))
                .isEqualTo("too long; raise data.max_seq_len");
        var textOnly = new RuntimeException("outer", new IllegalStateException("Lost task 1.0 (TID 3): "
                + "io.sparklora.jobs.train.TrainingException: not finite; lower train.learning_rate\nDriver stacktrace:"));
        assertThat(SparkLoraMain.fromTask(textOnly, io.sparklora.jobs.train.TrainingException.class))
                .isEqualTo("not finite; lower train.learning_rate");
        assertThat(SparkLoraMain.fromTask(textOnly, io.sparklora.jobs.data.DataException.class)).isNull();
    }

    @Test
    void outputPathEqualToModelPathIsRefused() {
        job(validYaml());
        String message = train(config, "output.path=" + model).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("output.path must differ from model.path").contains(model.toString())
                .contains("choose a new directory");
        assertNothingWrittenAndInputsUnchanged();
        assertThat(model.resolve("summary.json")).doesNotExist();
    }

    @Test
    void aFinishedRunIsNotRepeatedAndAChangedConfigurationIsRefused() {
        job(validYaml());
        Result first = train(config);
        first.succeeds();
        assertThat(first.out()).contains("adapter written to");
        assertThat(output.resolve("adapter/adapter_model.safetensors")).exists();
        Map<Path, byte[]> finished = snapshot(output);

        Result again = train(config);
        again.succeeds();
        assertThat(again.out()).contains("already complete: " + output);
        assertUnchanged(finished, output); // summary.json holds wall_seconds: a retrained run would differ

        Result changed = train(config, "lora.r=8");
        String message = changed.failsWith(TRAINING_ERROR, "training stopped: ");
        assertThat(message).contains("output.path " + output.toString())
                .contains("holds a run with a different configuration")
                .contains("choose a new output.path");
        assertUnchanged(finished, output);
        assertUnchanged(inputs, config, model, data);
        assertThat(Files.exists(output.resolve("checkpoints"))).isFalse();
    }

    @Test
    void badEnumValueListsTheAllowedOnes() {
        job(validYaml().replace("  schedule: constant\n", "  schedule: exponential\n"));
        String message = train(config).failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains(config.toString())
                .contains("train.schedule must be one of constant, linear, cosine, got \"exponential\"");
        assertNothingWrittenAndInputsUnchanged();
    }

    @Test
    void batchNotDivisibleByWorkersSaysWhichWould() {
        job(validYaml());
        String message = train(config, "train.batch_rows=5").failsWith(CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("train.batch_rows (5) must be a multiple of distributed.workers (2)")
                .contains("change distributed.workers");
        assertNothingWrittenAndInputsUnchanged();
    }
}
