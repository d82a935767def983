package io.sparklora.jobs.config;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.OptimizerConfig;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.sparklora.jobs.config.JobFiles.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryKey() {
        JobConfig c = parse(JobFiles.FULL);

        assertThat(c.model())
                .isEqualTo(new ModelSection("s3a://bucket/models/gpt2", "s3a://bucket/tok/tokenizer.json"));
        assertThat(c.lora()).isEqualTo(new LoraConfig(16, 32, 0.05,
                new TargetModules.Names(List.of("q_proj", "k_proj", "v_proj")), true, 7));
        assertThat(c.data()).isEqualTo(new DataSection(DataSource.ofPath("data.", "/data/chat/*.parquet"),
                DataFormat.PARQUET, "body", "question", "answer", DataSource.ofPath("data.validation_", "/data/chat-val"), 0.0, 256, false, 0.1, LongRowPolicy.REJECT, false, false, 512));
        assertThat(c.data().promptCompletion()).isTrue();
        assertThat(c.train()).isEqualTo(new TrainSection(24, 2, 500, 0, 1e-4, LrSchedule.COSINE, 50, 0.01, 0.5,
                0.8, 0.99, 1e-6, 99, NanPolicy.SKIP, false));
        assertThat(c.distributed()).isEqualTo(new DistributedSection(3, Averaging.PARAMETER, 8));
        assertThat(c.eval()).isEqualTo(new EvalSection(10, 64));
        assertThat(c.checkpoint()).isEqualTo(new CheckpointSection(50, 5));
        assertThat(c.output()).isEqualTo(new OutputSection("s3a://bucket/runs/r2"));

        assertThat(c.train().optimizer())
                .isEqualTo(new OptimizerConfig(1e-4, 0.01, 0.8, 0.99, 1e-6, LrSchedule.COSINE, 50, 0.5));
        assertThat(c.batchPlan()).isEqualTo(new BatchPlan(3, 8, 2, 99));
    }

    @Test
    void fillsDefaultsFromTheCoreRecords() {
        JobConfig c = parse(JobFiles.MINIMAL);

        assertThat(c.model().tokenizer()).isEqualTo("hdfs://nn/models/tiny-llama/tokenizer.json");
        assertThat(c.lora()).isEqualTo(LoraConfig.defaults());
        assertThat(c.data()).isEqualTo(DataSection.of("hdfs://nn/data/train.jsonl"));
        assertThat(c.data().format()).isEqualTo(DataFormat.JSONL);
        assertThat(c.data().maxSeqLen()).isEqualTo(128);
        assertThat(c.data().promptCompletion()).isFalse();
        assertThat(c.train()).isEqualTo(TrainSection.defaults());
        assertThat(c.train().batchRows()).isEqualTo(16);
        assertThat(c.train().rounds()).isEqualTo(100);
        assertThat(c.train().optimizer()).isEqualTo(OptimizerConfig.defaults());
        assertThat(c.distributed()).isEqualTo(DistributedSection.defaults());
        assertThat(c.eval()).isEqualTo(new EvalSection(0, 256));
        assertThat(c.checkpoint()).isEqualTo(new CheckpointSection(25, 2));
        assertThat(c.batchPlan())
                .isEqualTo(new BatchPlan(2, 8, BatchPlan.DEFAULT_MICRO_BATCH_ROWS, BatchPlan.DEFAULT_SEED));
    }

    @Test
    void emptySectionsMeanDefaults() {
        JobConfig c = parse(JobFiles.MINIMAL + "lora:\ntrain:\n");

        assertThat(c.lora()).isEqualTo(LoraConfig.defaults());
        assertThat(c.train()).isEqualTo(TrainSection.defaults());
    }

    @Test
    void setOverridesAreYamlValuesAndWinOverTheFile() {
        JobConfig c = parse(JobFiles.FULL, "lora.r=4", "train.learning_rate=3e-5",
                "lora.target_modules=[q_proj,v_proj]", "data.path=hdfs://nn/x.jsonl", "distributed.workers=4",
                "data.packing=true", "train.schedule=LINEAR");

        assertThat(c.lora().r()).isEqualTo(4);
        assertThat(c.lora().targets()).isEqualTo(new TargetModules.Names(List.of("q_proj", "v_proj")));
        assertThat(c.train().learningRate()).isEqualTo(3e-5);
        assertThat(c.data().path()).isEqualTo("hdfs://nn/x.jsonl");
        assertThat(c.distributed().workers()).isEqualTo(4);
        assertThat(c.data().packing()).isTrue();
        assertThat(c.train().schedule()).isEqualTo(LrSchedule.LINEAR);
    }

    @Test
    void laterOverridesWinAndEmptyValuesRestoreDefaults() {
        JobConfig c = parse(JobFiles.FULL, "lora.r=4", "lora.r=12", "train.rounds=", "train.epochs=2.5",
                "lora.target_modules=all-linear");

        assertThat(c.lora().r()).isEqualTo(12);
        assertThat(c.lora().targets()).isEqualTo(new TargetModules.AllLinear());
        assertThat(c.train().byEpochs()).isTrue();
        assertThat(c.train().epochs()).isEqualTo(2.5);
        assertThat(c.train().rounds()).isZero();
    }

    @Test
    void overridesCanSupplyRequiredKeys() {
        JobConfig c = parse("lora:\n  r: 4\n", "model.path=/m", "data.path=/d", "output.path=/o");

        assertThat(c.output().path()).isEqualTo("/o");
    }

    @Test
    void batchTokensBecomeWholeRows() {
        JobConfig c = parse(JobFiles.MINIMAL + "train:\n  batch_tokens: 2e3\n", "data.max_seq_len=250");

        assertThat(c.train().batchRows()).isEqualTo(8);
    }

    @Test
    void aRegexStringSelectsModulesByPattern() {
        JobConfig c = parse(JobFiles.MINIMAL, "lora.target_modules=.*\\.(q|v)_proj");

        assertThat(c.lora().targets()).isEqualTo(new TargetModules.Regex(".*\\.(q|v)_proj"));
    }

    @Test
    void loadsALocalPath() throws IOException {
        Path file = Files.writeString(dir.resolve("job.yaml"), JobFiles.FULL);

        JobConfig c = JobConfigLoader.load(file.toString(), List.of("lora.r=2"), new Configuration());

        assertThat(c.lora().r()).isEqualTo(2);
        assertThat(c.output().path()).isEqualTo("s3a://bucket/runs/r2");
    }

    @Test
    void loadsAFileUri() throws IOException {
        Path file = Files.writeString(dir.resolve("job.yaml"), JobFiles.FULL);

        JobConfig c = JobConfigLoader.load(file.toUri().toString(), List.of(), new Configuration());

        assertThat(c).isEqualTo(parse(JobFiles.FULL));
    }

    @Test
    void namesTheMissingFile() {
        String missing = dir.resolve("nope.yaml").toString();

        assertThatThrownBy(() -> JobConfigLoader.load(missing, List.of(), new Configuration()))
                .isInstanceOf(JobConfigException.class)
                .hasMessageStartingWith("job config file not found: " + missing);
    }

    @Test
    void refusesADirectory() {
        assertThatThrownBy(() -> JobConfigLoader.load(dir.toString(), List.of(), new Configuration()))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void errorsInALoadedFileNameThatFile() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), JobFiles.MINIMAL + "lora:\n  r: eight\n");

        assertThatThrownBy(() -> JobConfigLoader.load(file.toString(), List.of(), new Configuration()))
                .hasMessage(file + ": lora.r must be an integer, got \"eight\"");
    }
}
