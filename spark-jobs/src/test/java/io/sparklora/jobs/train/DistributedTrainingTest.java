package io.sparklora.jobs.train;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.data.ShardedRows;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The training master on Spark local[2, 2] (two task threads, a failed task is retried once). */
class DistributedTrainingTest {
    private static final int ROUNDS = 6;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2,2]");
        model = TinyJob.model(dir);
        data = TinyJob.dataset(dir);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void clearFaults() {
        spark.conf().unset(FaultInjection.FAIL_TASK_AT_ROUND);
        spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
    }

    private static JobConfig config(String output) {
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), dir.resolve(output).toString(), 2, ROUNDS),
                "test.yaml", List.of());
    }

    private static float[] adapterTheta(JobConfig config) throws Exception {
        BaseModel base = BaseModelLoader.load(model);
        return PeftAdapterFiles.read(Path.of(config.output().path(), RunLayout.ADAPTER), base.layout())
                .verifiedFor(base).adapter().theta();
    }

    /**
     * Three workers on two task threads, so shards finish in varying order: the driver adds them in shard order, as
     * the single-JVM trainer does, and the result is the same bit for bit.
     */
    @Test
    void threeWorkersEqualTheSingleJvmTrainerBitForBit() throws Exception {
        int workers = 3;
        JobConfig config = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(),
                dir.resolve("distributed").toString(), workers, ROUNDS), "test.yaml", List.of("train.batch_rows=6"));
        RunResult result = new TrainingMaster(spark, config).run();
        float[] distributed = adapterTheta(config);

        PreparedData prepared = DataPreparation.prepare(spark, config.data(), config.model().tokenizer(), workers,
                config.train().seed(), config.eval().maxRows(), new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()));
        List<TrainingRow> rows = ShardedRows.inGlobalOrder(prepared.train().collect());
        BaseModel base = BaseModelLoader.load(model);
        LoraPlan plan = LoraPlan.of(config.lora(), base.layout());
        CausalLm graph = CausalLm.build(base, plan, EngineSpec.training(config.data().maxSeqLen(), TrainingMode.LORA));
        float[] single = plan.initialParameters();
        LocalTrainer.of(graph, config.batchPlan(), config.train().optimizer()).train(single, rows, ROUNDS, m -> { });

        assertThat(result.alreadyComplete()).isFalse();
        // Same rows, same optimizer steps, and the same order of every float sum.
        assertThat(distributed).isEqualTo(single);
        assertThat(single).isNotEqualTo(plan.initialParameters());
        Map<String, Object> summary = result.summary();
        assertThat(summary.get("status")).isEqualTo(RunSummary.SUCCEEDED);
        @SuppressWarnings("unchecked")
        Map<String, Object> before = (Map<String, Object>) summary.get("eval_before");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) summary.get("eval_after");
        assertThat((Double) after.get("loss")).isLessThan((Double) before.get("loss"));
    }

    @Test
    void activationCheckpointingTrainsTheSameAdapterAndKeepsTheRunResumable() throws Exception {
        JobConfig plain = config("no-recompute");
        new TrainingMaster(spark, plain).run();
        JobConfig recompute = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(),
                dir.resolve("recompute").toString(), 2, ROUNDS), "test.yaml", List.of("train.activation_checkpointing=true"));
        new TrainingMaster(spark, recompute).run();

        assertThat(recompute.train().activationCheckpointing()).isTrue();
        assertThat(adapterTheta(recompute)).isEqualTo(adapterTheta(plain)); // bit for bit
        assertThat(recompute.fingerprint()).isEqualTo(plain.fingerprint());
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndChangesNothing() throws Exception {
        JobConfig clean = config("clean");
        new TrainingMaster(spark, clean).run();
        spark.conf().set(FaultInjection.FAIL_TASK_AT_ROUND, "3");
        JobConfig faulty = config("retried");
        new TrainingMaster(spark, faulty).run();

        assertThat(adapterTheta(faulty)).isEqualTo(adapterTheta(clean)); // bit for bit
    }

    @Test
    void aStoppedRunResumesFromItsCheckpointAndEndsWhereAnUninterruptedRunEnds() throws Exception {
        JobConfig uninterrupted = config("uninterrupted");
        new TrainingMaster(spark, uninterrupted).run();

        JobConfig resumed = config("resumed");
        spark.conf().set(FaultInjection.STOP_AFTER_ROUND, "2"); // dies in round 3, after the round-2 checkpoint
        assertThatThrownBy(() -> new TrainingMaster(spark, resumed).run()).isInstanceOf(FaultInjection.InjectedStop.class);
        assertThat(Path.of(resumed.output().path(), RunLayout.ADAPTER)).doesNotExist();
        spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        RunResult second = new TrainingMaster(spark, resumed).run();

        assertThat(second.summary().get("resumed_from_round")).isEqualTo(2L);
        assertThat(adapterTheta(resumed)).isEqualTo(adapterTheta(uninterrupted));
        RunResult third = new TrainingMaster(spark, resumed).run();
        assertThat(third.alreadyComplete()).isTrue();
    }

    @Test
    void periodicParameterAveragingTrainsButIsNotTheSynchronousResult() throws Exception {
        JobConfig sync = config("sync");
        new TrainingMaster(spark, sync).run();
        JobConfig averaged = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(),
                dir.resolve("averaged").toString(), 2, ROUNDS), "test.yaml",
                List.of("distributed.averaging=parameter", "distributed.sync_every=3"));

        RunResult result = new TrainingMaster(spark, averaged).run();

        @SuppressWarnings("unchecked")
        double before = (Double) ((Map<String, Object>) result.summary().get("eval_before")).get("loss");
        @SuppressWarnings("unchecked")
        double after = (Double) ((Map<String, Object>) result.summary().get("eval_after")).get("loss");
        assertThat(after).isLessThan(before);
        assertThat(adapterTheta(averaged)).isNotEqualTo(adapterTheta(sync));
        long lossLines = java.nio.file.Files.readAllLines(Path.of(averaged.output().path(), RunLayout.METRICS)).stream()
                .filter(l -> l.contains("\"loss\"")).count();
        assertThat(lossLines).isEqualTo(ROUNDS / 3); // one line per averaging period
    }
}
