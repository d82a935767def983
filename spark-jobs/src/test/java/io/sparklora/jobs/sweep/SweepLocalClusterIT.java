package io.sparklora.jobs.sweep;

import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sweep on Spark's local-cluster (two executor JVMs loading the packaged jar, so the adapters' θ broadcast and
 * their per-shard parts really cross the wire), with a task of round 2 failing once: the r = 4 adapter is the same bytes
 * as r = 4 trained alone on the same cluster.
 */
class SweepLocalClusterIT {
    @TempDir
    Path dir;

    @Test
    void eachAdapterOfASweepOnTwoExecutorJvmsIsTheSameBytesAsItsRunAlone() throws Exception {
        String jar = System.getProperty("sparklora.jobs.jar");
        assertThat(Path.of(jar)).as("packaged spark-jobs jar").exists();
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", jar,
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true");
        try {
            Path model = TinyJob.model(dir);
            Path data = TinyJob.dataset(dir);
            Path yaml = dir.resolve("job.yaml");
            Files.writeString(yaml, TinyJob.yaml(model.toString(), data.toString(), dir.resolve("sweep").toString(), 2, 3));
            String[] grid = {"lora.r=2,4"};

            spark.conf().set(FaultInjection.FAIL_TASK_AT_ROUND, "1");
            Map<String, Object> doc;
            try {
                doc = SweepRuns.sweep(spark, yaml, List.of(), grid);
            } finally {
                spark.conf().unset(FaultInjection.FAIL_TASK_AT_ROUND);
            }

            assertThat(doc.get("combinations")).isEqualTo(2);
            Combination rank4 = SweepGrid.parse(List.of(grid)).combinations().get(1);
            Path alone = dir.resolve("alone");
            SweepRuns.alone(spark, yaml, rank4, alone);
            SweepRuns.assertSameAdapter(dir.resolve("sweep").resolve(rank4.name()), alone);
        } finally {
            spark.stop();
        }
    }
}
