package io.sparklora.jobs.train;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.text.RowBlocks;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.data.DataException;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.RowsFixture;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The same job trains the same adapter on any cluster: local[1], local[2] and local[4], each with another
 * spark.sql.files.maxPartitionBytes so that Spark cuts the input into other splits and partitions, give byte-identical
 * adapters and the same rows as the single-JVM trainer; so do the same examples as several JSON Lines files and as
 * Parquet; a run stopped on one core count resumes on another to the same adapter; and a run resumed on changed data
 * stops, naming what changed. (local-cluster: {@link ClusterIndependentRowsIT}.)
 */
class ClusterIndependentRowsTest {
    /** master → maxPartitionBytes: one split per file, then ever smaller splits. */
    private static final Map<String, String> SESSIONS = new LinkedHashMap<>();

    static {
        SESSIONS.put("local[1]", "134217728");
        SESSIONS.put("local[2]", "1500");
        SESSIONS.put("local[4]", "700");
    }

    @TempDir
    static Path dir;
    static Path model;
    static Path oneFile;
    static Path changing;
    static final Map<String, Integer> splits = new LinkedHashMap<>();
    static final Map<String, Integer> partitions = new LinkedHashMap<>();
    static final Map<String, Map<String, Object>> summaries = new LinkedHashMap<>();
    static final Map<String, byte[]> adapters = new LinkedHashMap<>();
    static Map<String, Object> resumedSummary;
    static Throwable changedDataError;

    @BeforeAll
    static void trainEverywhere() throws Exception {
        model = TinyJob.model(dir);
        oneFile = RowsFixture.oneJsonl(dir);
        Path parts = RowsFixture.jsonlParts(dir, "parts", 37, 61);
        changing = RowsFixture.jsonlParts(dir, "changing", 75);
        Path parquet = null;
        for (Map.Entry<String, String> s : SESSIONS.entrySet()) {
            String master = s.getKey();
            SparkSession spark = LocalSpark.start(master, "spark.sql.files.maxPartitionBytes", s.getValue());
            try {
                splits.put(master, RowsFixture.inputSplits(spark, oneFile, DataFormat.JSONL));
                partitions.put(master, RowsFixture.inputPartitions(spark, oneFile));
                train(spark, master, oneFile, DataFormat.JSONL);
                switch (master) {
                    case "local[1]" -> {
                        parquet = RowsFixture.parquetParts(spark, dir, 70);
                        stopAfterRound(spark, "resumed", oneFile);
                        stopAfterRound(spark, "changed", changing);
                    }
                    case "local[4]" -> {
                        train(spark, "parts", parts, DataFormat.JSONL);
                        train(spark, "parquet", parquet, DataFormat.PARQUET);
                        resumedSummary = train(spark, "resumed", oneFile, DataFormat.JSONL);
                        Files.writeString(changing.resolve("part-00001.jsonl"), "{\"text\": \"the owl sat.\"}\n",
                                StandardOpenOption.APPEND);
                        try {
                            train(spark, "changed", changing, DataFormat.JSONL);
                        } catch (DataException e) {
                            changedDataError = e;
                        }
                    }
                    default -> { }
                }
            } finally {
                spark.stop();
            }
        }
    }

    private static Map<String, Object> train(SparkSession spark, String name, Path data, DataFormat format) throws Exception {
        JobConfig config = RowsFixture.config(model, data, format, dir.resolve("out-" + name));
        RunResult result = new TrainingMaster(spark, config).run();
        summaries.put(name, result.summary());
        adapters.put(name, RowsFixture.adapterBytes(dir.resolve("out-" + name)));
        return result.summary();
    }

    private static void stopAfterRound(SparkSession spark, String name, Path data) {
        spark.conf().set(FaultInjection.STOP_AFTER_ROUND, "1"); // dies after round 2 and its checkpoint
        try {
            assertThatThrownBy(() -> new TrainingMaster(spark, RowsFixture.config(model, data, DataFormat.JSONL,
                    dir.resolve("out-" + name))).run()).isInstanceOf(FaultInjection.InjectedStop.class);
        } finally {
            spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(String run) {
        return (Map<String, Object>) summaries.get(run).get("data");
    }

    @Test
    void sparkCutTheInputDifferentlyOnEverySetting() {
        assertThat(splits.values()).as("input splits per session: %s", splits).doesNotHaveDuplicates();
        assertThat(partitions.values()).as("input partitions per session: %s", partitions).doesNotHaveDuplicates();
        assertThat(data("local[1]").get("examples")).isEqualTo((long) RowsFixture.EXAMPLES);
        long blocks = RowBlocks.blockCount(RowsFixture.EXAMPLES, RowsFixture.BLOCK_EXAMPLES);
        assertThat(blocks).as("the data spans several packing blocks").isGreaterThan(3);
    }

    @Test
    void everyCoreCountTrainsTheByteIdenticalAdapterOnTheSameRows() {
        Map<String, Object> reference = data("local[1]");
        for (String master : SESSIONS.keySet()) {
            assertThat(data(master)).as(master).isEqualTo(reference);
            assertThat(adapters.get(master)).as(master).isEqualTo(adapters.get("local[1]"));
        }
        assertThat(reference.get("training_rows_fingerprint").toString()).matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void theSingleJvmTrainerPreparesTheSameRowsAndTrainsTheSameAdapter() throws Exception {
        JobConfig config = RowsFixture.config(model, oneFile, DataFormat.JSONL, dir.resolve("unused"));
        RowBlocks.Prepared rows = RowsFixture.singleJvmRows(model, config);
        float[] single = RowsFixture.singleJvmTheta(model, config);

        Map<String, Object> d = data("local[1]");
        assertThat(d.get("training_rows_fingerprint")).isEqualTo(rows.trainFingerprint());
        assertThat(d.get("validation_rows_fingerprint")).isEqualTo(rows.validationFingerprint());
        assertThat(d.get("training_rows")).isEqualTo((long) rows.train().size());
        BaseModel base = BaseModelLoader.load(model);
        float[] distributed = PeftAdapterFiles.read(dir.resolve("out-local[4]").resolve(RunLayout.ADAPTER), base.layout())
                .verifiedFor(base).adapter().theta();
        assertThat(distributed).isEqualTo(single); // bit for bit
    }

    @Test
    void oneFileSeveralFilesAndParquetGiveTheSameRowsAndAdapter() {
        for (String run : List.of("parts", "parquet")) {
            assertThat(data(run).get("training_rows_fingerprint")).as(run)
                    .isEqualTo(data("local[1]").get("training_rows_fingerprint"));
            assertThat(data(run).get("validation_rows_fingerprint")).as(run)
                    .isEqualTo(data("local[1]").get("validation_rows_fingerprint"));
            assertThat(adapters.get(run)).as(run).isEqualTo(adapters.get("local[1]"));
        }
        assertThat(data("parts").get("input_files")).isEqualTo(3L);
        assertThat(data("parquet").get("input_files")).isEqualTo(2L);
    }

    @Test
    void aRunStoppedOnOneCoreResumesOnFourToTheSameAdapter() {
        assertThat(resumedSummary.get("resumed_from_round")).isEqualTo(2L);
        assertThat(adapters.get("resumed")).isEqualTo(adapters.get("local[1]"));
    }

    @Test
    void aRunResumedOnChangedDataStopsAndSaysWhatChanged() {
        assertThat(changedDataError).as("resuming on changed data fails").isNotNull();
        // The source's file listing (path, size, modification time) is checked before any row is read.
        assertThat(changedDataError.getMessage())
                .contains("data.path " + changing + " changed since the run started")
                .contains("2 input files now, 2 recorded in the checkpoint")
                .contains("restore them to resume, or start over with a new output.path");
        assertThat(dir.resolve("out-changed").resolve(RunLayout.ADAPTER)).doesNotExist();
    }
}
