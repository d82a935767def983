package io.sparklora.jobs.faults;

import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Determinism beyond two workers: on local-cluster with four executor JVMs and four shards, a run whose executor is
 * SIGKILLed while it runs a task of round {@value #KILL_ROUND} (its task reruns elsewhere, so the shards finish in a
 * different order), and a run stopped after round {@value #STOP_AFTER} and resumed from its checkpoint, both end
 * bit for bit where the undisturbed run ends: the driver adds the shards' sums in shard order.
 */
class WideDeterminismIT {
    private static final int WORKERS = 4;
    private static final int ROUNDS = 8;
    private static final int KILL_ROUND = 3;
    private static final int STOP_AFTER = 4;

    @TempDir
    Path dir;

    @Test
    void fourWorkersEndBitIdenticalAfterAnExecutorLossAndAfterAResume() throws Exception {
        String jar = System.getProperty("sparklora.jobs.jar");
        assertThat(Path.of(jar)).as("packaged spark-jobs jar").exists();
        SparkSession spark = LocalSpark.start("local-cluster[" + WORKERS + ",1,640]", "spark.jars", jar,
                "spark.executor.memory", "512m",
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector",
                "spark.task.maxFailures", "8",
                "spark.excludeOnFailure.enabled", "false");
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Path model = TinyJob.model(dir);
            Path data = TinyJob.dataset(dir);

            long t0 = System.nanoTime();
            new TrainingMaster(spark, config(model, data, "undisturbed")).run();
            double undisturbedSeconds = (System.nanoTime() - t0) / 1e9;
            float[] undisturbed = FaultRuns.adapterTheta(model, dir.resolve("undisturbed"));

            Map<String, Long> pids = ExecutorLossIT.executorPids(sc, WORKERS);
            assertThat(pids).hasSize(WORKERS).doesNotContainValue(ProcessHandle.current().pid());
            ExecutorLossIT.Killer killer = new ExecutorLossIT.Killer(pids, KILL_ROUND);
            spark.sparkContext().addSparkListener(killer);
            new TrainingMaster(spark, config(model, data, "executor-lost")).run();
            spark.sparkContext().removeSparkListener(killer);
            float[] afterLoss = FaultRuns.adapterTheta(model, dir.resolve("executor-lost"));

            spark.conf().set(FaultInjection.STOP_AFTER_ROUND, Integer.toString(STOP_AFTER));
            try {
                assertThatThrownBy(() -> new TrainingMaster(spark, config(model, data, "resumed")).run())
                        .isInstanceOf(FaultInjection.InjectedStop.class);
            } finally {
                spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
            }
            RunResult resumed = new TrainingMaster(spark, config(model, data, "resumed")).run();
            float[] afterResume = FaultRuns.adapterTheta(model, dir.resolve("resumed"));

            System.out.printf("WideDeterminismIT: %d executors, %d rounds (undisturbed %.1f s); killed executor %s in "
                            + "round %d, failed task attempts %d: bit-identical %s (max |diff| %g); resumed from round %s: "
                            + "bit-identical %s (max |diff| %g)%n", WORKERS, ROUNDS, undisturbedSeconds,
                    killer.killedExecutor, KILL_ROUND, killer.failedTasks.get(), Arrays.equals(afterLoss, undisturbed),
                    FaultRuns.maxAbsDiff(afterLoss, undisturbed), resumed.summary().get("resumed_from_round"),
                    Arrays.equals(afterResume, undisturbed), FaultRuns.maxAbsDiff(afterResume, undisturbed));
            assertThat(killer.killedPid.get()).as("an executor was killed").isPositive();
            assertThat(killer.failedTasks.get()).as("a task of the killed executor failed").isPositive();
            assertThat(resumed.summary().get("resumed_from_round")).isEqualTo((long) STOP_AFTER);
            assertThat(afterLoss).isEqualTo(undisturbed);
            assertThat(afterResume).isEqualTo(undisturbed);
        } finally {
            spark.stop();
        }
    }

    private JobConfig config(Path model, Path data, String output) {
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), dir.resolve(output).toString(),
                WORKERS, ROUNDS), "wide.yaml", List.of("train.batch_rows=8"));
    }
}
