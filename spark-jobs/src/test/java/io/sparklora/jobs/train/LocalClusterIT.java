package io.sparklora.jobs.train;

import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.SweepRuns;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training on Spark's local-cluster: a master and two executors in JVMs of their own, loading the packaged jar,
 * so everything that crosses the wire (tasks, θ, contributions) is really serialized; a sweep on the same executors
 * reproduces the run's adapter byte for byte.
 */
class LocalClusterIT {
    @TempDir
    Path dir;

    @Test
    void trainingOnTwoSeparateExecutorJvmsLowersTheLossAndASweepThereReproducesItsAdapter() throws Exception {
        String jar = System.getProperty("sparklora.jobs.jar");
        assertThat(Path.of(jar)).as("packaged spark-jobs jar").exists();
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", jar,
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector");
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Set<Long> executorPids = new HashSet<>(sc.parallelize(List.of(1, 2, 3, 4), 4)
                    .map(x -> ProcessHandle.current().pid()).collect());
            Path model = TinyJob.model(dir);
            Path data = TinyJob.dataset(dir);
            JobConfig config = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(),
                    dir.resolve("out").toString(), 2, 12), "it.yaml", List.of());

            RunResult result = new TrainingMaster(spark, config).run();

            assertThat(executorPids).doesNotContain(ProcessHandle.current().pid()).isNotEmpty();
            @SuppressWarnings("unchecked")
            double before = (Double) ((Map<String, Object>) result.summary().get("eval_before")).get("loss");
            @SuppressWarnings("unchecked")
            double after = (Double) ((Map<String, Object>) result.summary().get("eval_after")).get("loss");
            assertThat(after).isLessThan(before);
            List<String> metrics = Files.readAllLines(dir.resolve("out").resolve(RunLayout.METRICS));
            assertThat(metrics).hasSizeGreaterThan(12);
            assertThat(dir.resolve("out").resolve(RunLayout.ADAPTER).resolve("adapter_model.safetensors")).exists();

            // The same job as one combination of a rank sweep on the same executors, with a task of round 2 failing
            // once: the adapters' θ broadcast and per-shard parts cross the wire, and r = 4's adapter is the run's bytes.
            Path yaml = Files.writeString(dir.resolve("job.yaml"), TinyJob.yaml(model.toString(), data.toString(),
                    dir.resolve("sweep").toString(), 2, 12));
            spark.conf().set(FaultInjection.FAIL_TASK_AT_ROUND, "1");
            try {
                SweepRuns.sweep(spark, yaml, List.of(), "lora.r=2,4");
            } finally {
                spark.conf().unset(FaultInjection.FAIL_TASK_AT_ROUND);
            }
            SweepRuns.assertSameAdapter(dir.resolve("sweep").resolve("r-4"), dir.resolve("out"));
        } finally {
            spark.stop();
        }
    }

    /**
     * GPU scheduling on a CPU machine: each worker's discovery script announces one "GPU", executors and tasks ask
     * for one, and every task resolves the ordinal Spark assigned and binds ND4J's threads to its CPU share.
     */
    @Test
    void tasksBindTheGpuSparkAssignsThem() throws Exception {
        Path script = dir.resolve("discover-gpus.sh");
        Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", System.getProperty("sparklora.jobs.jar"),
                "spark.worker.resource.gpu.amount", "1",
                "spark.worker.resource.gpu.discoveryScript", script.toString(),
                "spark.executor.resource.gpu.amount", "1",
                "spark.task.resource.gpu.amount", "1");
        try {
            List<String> seen = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1, 2, 3), 4)
                    .map(i -> {
                        DeviceBinding.bindCurrentTask();
                        return DeviceBinding.gpuOrdinal(TaskContext.get().resourcesJMap()).getAsInt() + "/"
                                + Nd4j.getEnvironment().maxMasterThreads();
                    }).collect();

            assertThat(seen).containsOnly("0/1"); // each executor's only GPU; one ND4J thread per task CPU
        } finally {
            spark.stop();
        }
    }
}
