package io.sparklora.jobs.train;

import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training on Spark's local-cluster: a master and two executors in JVMs of their own, loading the packaged jar,
 * so everything that crosses the wire (tasks, θ, contributions) is really serialized.
 */
class LocalClusterIT {
    @TempDir
    Path dir;

    @Test
    void trainingOnTwoSeparateExecutorJvmsCompletesAndLowersTheLoss() throws Exception {
        String jar = System.getProperty("sparklora.jobs.jar");
        assertThat(Path.of(jar)).as("packaged spark-jobs jar").exists();
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", jar,
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true");
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
        } finally {
            spark.stop();
        }
    }
}
