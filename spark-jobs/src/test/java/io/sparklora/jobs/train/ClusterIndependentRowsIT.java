package io.sparklora.jobs.train;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.RowsFixture;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ClusterIndependentRowsTest} on local-cluster[2,1,1024]: two executor JVMs reading the input in small splits
 * train the byte-identical adapter that local[1] (one split) trains, on the rows the single-JVM trainer prepares, and
 * equal to the single-JVM trainer's θ bit for bit.
 */
class ClusterIndependentRowsIT {
    @TempDir
    Path dir;

    @Test
    void twoExecutorJvmsTrainTheAdapterOfOneCoreAndOfTheSingleJvmTrainer() throws Exception {
        Path model = TinyJob.model(dir);
        Path data = RowsFixture.oneJsonl(dir);
        JobConfig cluster = RowsFixture.config(model, data, DataFormat.JSONL, dir.resolve("cluster"));
        JobConfig local = RowsFixture.config(model, data, DataFormat.JSONL, dir.resolve("local"));

        int clusterSplits;
        Map<String, Object> clusterSummary;
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", System.getProperty("sparklora.jobs.jar"),
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector",
                "spark.sql.files.maxPartitionBytes", "900");
        try {
            clusterSplits = RowsFixture.inputSplits(spark, data, DataFormat.JSONL);
            clusterSummary = new TrainingMaster(spark, cluster).run().summary();
        } finally {
            spark.stop();
        }
        int localSplits;
        Map<String, Object> localSummary;
        spark = LocalSpark.start("local[1]");
        try {
            localSplits = RowsFixture.inputSplits(spark, data, DataFormat.JSONL);
            localSummary = new TrainingMaster(spark, local).run().summary();
        } finally {
            spark.stop();
        }

        assertThat(clusterSplits).as("local-cluster reads the file in more splits").isGreaterThan(localSplits);
        assertThat(clusterSummary.get("data")).isEqualTo(localSummary.get("data"));
        assertThat(RowsFixture.adapterBytes(dir.resolve("cluster"))).isEqualTo(RowsFixture.adapterBytes(dir.resolve("local")));
        BaseModel base = BaseModelLoader.load(model);
        float[] theta = PeftAdapterFiles.read(dir.resolve("cluster").resolve(RunLayout.ADAPTER), base.layout())
                .verifiedFor(base).adapter().theta();
        assertThat(theta).isEqualTo(RowsFixture.singleJvmTheta(model, cluster));
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) clusterSummary.get("data");
        assertThat(d.get("training_rows_fingerprint")).isEqualTo(RowsFixture.singleJvmRows(model, cluster).trainFingerprint());
    }
}
