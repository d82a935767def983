package io.sparklora.jobs.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training master against a real (in-process) HDFS: model, data and output all on hdfs://, on Spark local[2]
 * whose default file system is that HDFS. The adapter must equal, bit for bit, the same run on local files.
 */
class HdfsTrainingTest {
    private static final int ROUNDS = 4;

    @TempDir
    static Path dir;
    static MiniDFSCluster cluster;
    static String hdfs;
    static SparkSession spark;
    static Path localModel;
    static Path localData;

    @BeforeAll
    static void start() throws Exception {
        Path base = dir.resolve("dfs");
        cluster = io.sparklora.jobs.testing.LoopbackDfs.start(base);
        hdfs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();

        localModel = TinyJob.model(dir);
        localData = TinyJob.dataset(dir);
        FileSystem fs = FileSystem.get(URI.create(hdfs), cluster.getConfiguration(0));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(localModel.toUri()), new org.apache.hadoop.fs.Path(hdfs + "/models/tiny"));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(localData.toUri()), new org.apache.hadoop.fs.Path(hdfs + "/data/train.jsonl"));

        spark = LocalSpark.start("local[2]", "spark.hadoop.fs.defaultFS", hdfs);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    private static JobConfig config(String model, String data, String output) {
        return JobConfigLoader.parse(TinyJob.yaml(model, data, output, 2, ROUNDS), "test.yaml", List.of());
    }

    private static Configuration hadoop() {
        return spark.sparkContext().hadoopConfiguration();
    }

    private static org.apache.hadoop.fs.Path hpath(String uri) {
        return new org.apache.hadoop.fs.Path(uri);
    }

    @Test
    void aRunWithModelDataAndOutputOnHdfsWritesEverythingThereAndEqualsTheLocalRun() throws Exception {
        // The uploaded inputs really are on HDFS.
        FileSystem fs = HadoopFiles.fs(hpath(hdfs + "/"), hadoop());
        assertThat(fs.getUri().getScheme()).isEqualTo("hdfs");
        assertThat(fs.exists(hpath(hdfs + "/models/tiny/config.json"))).isTrue();
        assertThat(fs.exists(hpath(hdfs + "/models/tiny/model.safetensors"))).isTrue();
        assertThat(fs.exists(hpath(hdfs + "/models/tiny/tokenizer.json"))).isTrue();
        assertThat(fs.exists(hpath(hdfs + "/data/train.jsonl"))).isTrue();

        String out = hdfs + "/runs/hdfs";
        JobConfig onHdfs = config(hdfs + "/models/tiny", hdfs + "/data/train.jsonl", out);
        RunResult result = new TrainingMaster(spark, onHdfs).run();

        assertThat(result.alreadyComplete()).isFalse();
        assertThat(result.summary().get("status")).isEqualTo(RunSummary.SUCCEEDED);
        assertThat(fs.isFile(hpath(out + "/adapter/" + PeftFormat.CONFIG_FILE))).isTrue();
        assertThat(fs.isFile(hpath(out + "/adapter/" + PeftFormat.WEIGHTS_FILE))).isTrue();
        assertThat(fs.isFile(hpath(out + "/" + RunLayout.METRICS))).isTrue();
        assertThat(fs.isFile(hpath(out + "/" + RunLayout.SUMMARY))).isTrue();
        List<String> checkpoints = new ArrayList<>();
        for (FileStatus s : fs.listStatus(hpath(out + "/" + RunLayout.CHECKPOINTS))) {
            checkpoints.add(s.getPath().getName());
            assertThat(fs.isFile(new org.apache.hadoop.fs.Path(s.getPath(), CheckpointStore.COMPLETE)))
                    .as("%s/_COMPLETE", s.getPath()).isTrue();
        }
        assertThat(checkpoints).isNotEmpty().allMatch(n -> n.matches("round-\\d{8}")).contains("round-00000002");
        // Nothing left behind by the adapter's staging directory.
        for (FileStatus s : fs.listStatus(hpath(out))) {
            assertThat(s.getPath().getName()).doesNotStartWith("_staging");
        }

        Map<String, Object> summary = new ObjectMapper().readValue(
                HadoopFiles.readBytes(hpath(out + "/" + RunLayout.SUMMARY), hadoop()), new TypeReference<>() {
                });
        assertThat(summary.get("status")).isEqualTo(RunSummary.SUCCEEDED);
        assertThat(summary.get("adapter_path")).asString().startsWith("hdfs://");
        String metrics = HadoopFiles.readString(hpath(out + "/" + RunLayout.METRICS), hadoop());
        assertThat(metrics.lines().filter(l -> l.contains("\"loss\""))).hasSize(ROUNDS);

        // The identical run on local files; with HDFS as the default file system they must be given as file: URIs.
        Path localOut = dir.resolve("local-run");
        JobConfig onLocal = config(localModel.toUri().toString(), localData.toUri().toString(), localOut.toUri().toString());
        new TrainingMaster(spark, onLocal).run();
        assertThat(localOut.resolve("adapter").resolve(PeftFormat.WEIGHTS_FILE)).isRegularFile();

        Path fetched = dir.resolve("fetched-adapter");
        HadoopFiles.copyToLocal(hpath(out + "/adapter"), fetched, hadoop());
        BaseModel base = BaseModelLoader.load(localModel);
        float[] fromHdfs = PeftAdapterFiles.read(fetched, base.layout()).verifiedFor(base).adapter().theta();
        float[] fromLocal = PeftAdapterFiles.read(localOut.resolve("adapter"), base.layout()).verifiedFor(base).adapter().theta();
        assertThat(fromHdfs).hasSize(((Number) summary.get("trainable_parameters")).intValue());
        assertThat(fromHdfs).isEqualTo(fromLocal); // bit for bit
        assertThat(fromHdfs).isEqualTo(result.theta());
        // Same weights file byte for byte (it records the base fingerprint, which is the same model either way).
        assertThat(Files.readAllBytes(fetched.resolve(PeftFormat.WEIGHTS_FILE)))
                .isEqualTo(Files.readAllBytes(localOut.resolve("adapter").resolve(PeftFormat.WEIGHTS_FILE)));
    }
}
