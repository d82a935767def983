package io.sparklora.jobs.train;

import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An absurd learning rate drives the loss to NaN/Inf; train.nan_policy decides what happens in that round. */
class NumericalFaultTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2]");
        model = TinyJob.model(dir);
        data = TinyJob.dataset(dir);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static JobConfig config(String output, String policy) {
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), dir.resolve(output).toString(), 2, 6),
                "test.yaml", List.of("train.learning_rate=1e30", "train.max_grad_norm=0", "train.nan_policy=" + policy));
    }

    @Test
    void stopPolicyEndsTheRunNamingTheRoundAndPublishesNoAdapter() {
        JobConfig config = config("stop", "stop");

        assertThatThrownBy(() -> new TrainingMaster(spark, config).run())
                .isInstanceOf(TrainingException.class)
                .hasMessageMatching("round \\d+: the loss or gradient is not finite.*")
                .hasMessageContaining("train.learning_rate");
        assertThat(Path.of(config.output().path(), RunLayout.ADAPTER)).doesNotExist();
    }

    @Test
    void skipPolicySkipsAndCountsTheUpdates() throws Exception {
        RunResult result = new TrainingMaster(spark, config("skip", "skip")).run();

        assertThat((Long) result.summary().get("skipped_rounds")).isPositive();
        assertThat(result.summary().get("status")).isEqualTo(RunSummary.SUCCEEDED);
    }
}
