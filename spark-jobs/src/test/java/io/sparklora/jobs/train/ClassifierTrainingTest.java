package io.sparklora.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.train.ClassifierRows;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.ClassificationSpec;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.data.ShardedRows;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyClassifierJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sequence classifier trained by the training master on Spark local[2, 2]: labelled sentence pairs through the
 * decoder path's readers, bad-row count and sharding, the same round (per-shard sums added in shard order, the
 * driver's AdamW on LoRA and the head), classification metrics before and after, and a SEQ_CLS adapter.
 */
class ClassifierTrainingTest {
    private static final int ROUNDS = 6;
    private static final int MULTI_LABEL_ROUNDS = 10;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2,2]");
        model = TinyClassifierJob.model(dir);
        data = TinyClassifierJob.dataset(dir, 47, 1, 5);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void distributedTrainingEqualsTheSingleJvmTrainerBitForBit() throws Exception {
        JobConfig config = JobConfigLoader.parse(TinyClassifierJob.yaml(model.toString(), data.toString(),
                dir.resolve("run").toString(), 2, ROUNDS), "test.yaml", List.of());
        RunResult result = new TrainingMaster(spark, config).run();

        SingleJvm replay = SingleJvm.train(config, ROUNDS);
        List<ClassificationRow> rows = replay.rows();
        float[] single = replay.theta();

        // Same rows, same steps, same order of every float sum: equal bit for bit.
        assertThat(result.theta()).isEqualTo(single);
        assertThat(single).isNotEqualTo(replay.initial());
        assertThat(rows).allSatisfy(r -> assertThat(r.length()).isLessThanOrEqualTo(12));
        assertThat(rows.get(0).ids()[0]).isEqualTo(2); // [CLS]
        assertThat(rows.get(0).tokenTypes()).contains(0, 1); // a sentence pair

        Map<String, Object> summary = result.summary();
        assertThat(summary.get("status")).isEqualTo(RunSummary.SUCCEEDED);
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) summary.get("data");
        assertThat(report.get("bad_rows")).as("the row labelled neutral").isEqualTo(1L);
        long validation = (Long) report.get("validation_rows");
        assertThat(rows.size() + validation).as("every usable row, one row per example").isEqualTo(47);
        assertThat(validation).isPositive();
        @SuppressWarnings("unchecked")
        Map<String, Object> before = (Map<String, Object>) summary.get("eval_before");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) summary.get("eval_after");
        assertThat(after).containsKeys("loss", "accuracy", "macro_f1", "mcc", "confusion_matrix");
        assertThat((Double) after.get("loss")).isLessThan((Double) before.get("loss"));
        long[][] confusion = (long[][]) after.get("confusion_matrix");
        assertThat(confusion[0][0] + confusion[0][1] + confusion[1][0] + confusion[1][1]).isEqualTo(validation);
        assertThat(summary.get("labels")).isEqualTo(List.of("negative", "positive"));

        Path out = Path.of(config.output().path());
        JsonNode adapterConfig = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertThat(adapterConfig.get("task_type").asText()).isEqualTo("SEQ_CLS");
        List<String> lines = Files.readAllLines(out.resolve(RunLayout.METRICS));
        assertThat(lines.stream().filter(l -> l.contains("\"eval_accuracy\"")).count()).isGreaterThanOrEqualTo(2);
        JsonNode written = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(written.get("eval_after").get("confusion_matrix").size()).isEqualTo(2);
        assertThat(Files.readString(out.resolve("report.html"))).contains("Confusion matrix").contains("positive");
    }

    @Test
    void multiLabelTrainsWithBinaryCrossEntropyAndEqualsTheSingleJvmTrainer() throws Exception {
        Path multi = TinyClassifierJob.multiLabelDataset(dir, 46, 2, 7);
        JobConfig config = JobConfigLoader.parse(TinyClassifierJob.multiLabelYaml(model.toString(), multi.toString(),
                dir.resolve("multi-run").toString(), 2, MULTI_LABEL_ROUNDS), "multi.yaml", List.of());
        RunResult result = new TrainingMaster(spark, config).run();
        SingleJvm replay = SingleJvm.train(config, MULTI_LABEL_ROUNDS);
        assertThat(result.theta()).isEqualTo(replay.theta());
        assertThat(replay.rows()).allSatisfy(r -> assertThat(r.labels()).hasSize(3).containsAnyOf(0.0, 1.0));

        Map<String, Object> summary = result.summary();
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) summary.get("data");
        assertThat(report.get("bad_rows")).as("the rows labelled weather").isEqualTo(2L);
        @SuppressWarnings("unchecked")
        Map<String, Object> before = (Map<String, Object>) summary.get("eval_before");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) summary.get("eval_after");
        assertThat(after).containsOnlyKeys("loss", "subset_accuracy", "micro_f1", "macro_f1", "per_label");
        assertThat((Double) after.get("loss")).isLessThan((Double) before.get("loss"));
        assertThat((Double) after.get("micro_f1")).isGreaterThan((Double) before.get("micro_f1"));
        assertThat((List<?>) after.get("per_label")).hasSize(3);
        assertThat(summary.get("labels")).isEqualTo(List.of("cat", "dog", "pond"));

        Path out = Path.of(config.output().path());
        assertThat(Files.readAllLines(out.resolve(RunLayout.METRICS)).stream()
                .filter(l -> l.contains("\"eval_subset_accuracy\"") && l.contains("\"eval_micro_f1\"")).count())
                .isGreaterThanOrEqualTo(2);
        assertThat(new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("eval_after").get("per_label")
                .get(2).get("label").asText()).isEqualTo("pond");
        assertThat(Files.readString(out.resolve("report.html"))).contains("Per label").contains("micro_f1")
                .doesNotContain("Confusion matrix");
        JsonNode adapterConfig = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertThat(adapterConfig.get("task_type").asText()).isEqualTo("SEQ_CLS");
        // the head PEFT saves for BERT: classifier.weight [num_labels, hidden]
        try (SafetensorsFile weights = SafetensorsFile.open(out.resolve("adapter/adapter_model.safetensors"))) {
            assertThat(weights.info("base_model.model.classifier.weight").shape())
                    .containsExactly(3, TinyModels.bert().hiddenSize());
        }
    }

    /**
     * Fault tolerance on the classifier path (the head is part of θ, its checkpoint and the adapter): a round task
     * failing once is retried, and a run stopped after round 4 resumes from its round-3 checkpoint; both adapters
     * are byte-identical, and their θ equals the single-JVM trainer's uninterrupted run bit for bit.
     */
    @Test
    void aRetriedTaskAndAResumedRunGiveTheUninterruptedClassifier() throws Exception {
        JobConfig retried = singleLabel("retried");
        spark.conf().set(FaultInjection.FAIL_TASK_AT_ROUND, "2");
        RunResult retry;
        try {
            retry = new TrainingMaster(spark, retried).run();
        } finally {
            spark.conf().unset(FaultInjection.FAIL_TASK_AT_ROUND);
        }

        JobConfig resumed = singleLabel("resumed");
        spark.conf().set(FaultInjection.STOP_AFTER_ROUND, "4"); // dies in round 5, after the round-3 checkpoint
        try {
            assertThatThrownBy(() -> new TrainingMaster(spark, resumed).run())
                    .isInstanceOf(FaultInjection.InjectedStop.class);
        } finally {
            spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        }
        assertThat(Path.of(resumed.output().path(), RunLayout.ADAPTER)).doesNotExist();
        RunResult resume = new TrainingMaster(spark, resumed).run();
        assertThat(resume.summary().get("resumed_from_round")).isEqualTo(3L);
        assertThat(((Map<?, ?>) resume.summary().get("eval_after")).get("loss"))
                .isEqualTo(((Map<?, ?>) retry.summary().get("eval_after")).get("loss"));

        float[] uninterrupted = SingleJvm.train(retried, ROUNDS).theta();
        assertThat(retry.theta()).isEqualTo(uninterrupted);
        assertThat(resume.theta()).isEqualTo(uninterrupted);
        String weights = RunLayout.ADAPTER + "/adapter_model.safetensors";
        assertThat(Files.readAllBytes(Path.of(resumed.output().path(), weights)))
                .isEqualTo(Files.readAllBytes(Path.of(retried.output().path(), weights)));
        assertThat(new TrainingMaster(spark, resumed).run().alreadyComplete()).isTrue();
    }

    private static JobConfig singleLabel(String output) {
        return JobConfigLoader.parse(TinyClassifierJob.yaml(model.toString(), data.toString(),
                dir.resolve(output).toString(), 2, ROUNDS), output + ".yaml", List.of());
    }

    /** The same job's training rows trained by the single-JVM trainer (no Spark in the step). */
    private record SingleJvm(List<ClassificationRow> rows, float[] initial, float[] theta) {
        static SingleJvm train(JobConfig config, int rounds) throws Exception {
            BaseModel loaded = BaseModelLoader.load(model);
            ClassificationSpec task = ClassificationSpec.resolve(config.task(), loaded.config());
            PreparedData prepared = DataPreparation.prepare(spark, config.data(), task, config.model().tokenizer(), 2,
                    config.train().seed(), config.eval().maxRows(),
                    new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()), Map.of());
            List<ClassificationRow> rows = ShardedRows.inGlobalOrder(prepared.train().collect());
            BaseModel base = loaded.withTask(task.labels(), task.problem());
            LoraPlan plan = LoraPlan.of(config.lora(), base.layout());
            float[] theta = plan.initialParameters(base);
            try (SequenceClassifier classifier = SequenceClassifier.build(base, plan,
                    EngineSpec.training(config.data().maxSeqLen(), TrainingMode.LORA))) {
                new LocalTrainer<>(new ClassifierRows(classifier), config.batchPlan(), config.train().optimizer())
                        .train(theta, rows, rounds, m -> { });
            }
            return new SingleJvm(rows, plan.initialParameters(base), theta);
        }
    }
}
