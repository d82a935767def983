package io.sparklora.jobs.train;

import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.BroadcastBlockId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one synchronous round sends over the network, measured with Spark's own metrics: the θ broadcast going out
 * and each task's result (its gradient contribution) coming back are the size of the adapter, not of the base model.
 */
class RoundPayloadTest {
    private static final int ROUNDS = 3;
    private static final int WORKERS = 2;
    /** Java serialization headers and the contribution's scalar fields. */
    private static final long OVERHEAD = 4096;
    private static final String ROUND = "SparkLoRA round ";

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2]");
        model = largerModel(dir);
        data = TinyJob.dataset(dir);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Hidden 64, 2 layers, MLP 256 (~125k parameters): big enough that "adapter-sized" and "base-sized" differ 40x. */
    private static Path largerModel(Path dir) throws Exception {
        Path model = dir.resolve("model-64");
        Files.createDirectories(model);
        Files.writeString(model.resolve("tokenizer.json"),
                TokenizerBuilder.characterLevel(TinyJob.CORPUS, 40, List.of("<|endoftext|>")));
        int vocab;
        try (var tok = TextTokenizer.load(model.resolve("tokenizer.json"))) {
            vocab = tok.vocabSize();
        }
        ModelConfig config = new ModelConfig(ModelFamily.LLAMA, "llama", vocab, 64, 2, 4, 2, 16, 256, 64, 1e-6, 10000,
                true, false, false, false, 0);
        TinyModels.write(TinyModels.random(config, 23), model);
        return model;
    }

    /** Spark's own numbers, grouped by the job description the master sets ("SparkLoRA round N"). */
    static final class PayloadListener extends SparkListener {
        final Map<Integer, String> stageDescription = new LinkedHashMap<>();
        /** Task result sizes (serialized value returned by the task) per description. */
        final Map<String, List<Long>> resultBytes = new TreeMap<>();
        /** Broadcast pieces stored before a job starts: values the driver broadcast for that job (θ). */
        final Map<String, Long> valueBroadcastBytes = new TreeMap<>();
        /** Broadcast pieces stored while a job runs: the scheduler's task binary (RDD lineage + closure). */
        final Map<String, Long> taskBinaryBytes = new TreeMap<>();
        final List<String> broadcastPieces = new ArrayList<>();
        private long pending;
        private String activeJob;

        @Override
        public synchronized void onJobStart(SparkListenerJobStart e) {
            String description = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
            String key = description == null ? "job " + e.jobId() : description;
            for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
                stageDescription.put((Integer) stage, key);
            }
            valueBroadcastBytes.merge(key, pending, Long::sum);
            pending = 0;
            activeJob = key;
        }

        @Override
        public synchronized void onJobEnd(SparkListenerJobEnd e) {
            activeJob = null;
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
            if (e.reason() != Success$.MODULE$ || e.taskMetrics() == null) {
                return;
            }
            String key = stageDescription.getOrDefault(e.stageId(), "stage " + e.stageId());
            resultBytes.computeIfAbsent(key, k -> new ArrayList<>()).add(e.taskMetrics().resultSize());
        }

        @Override
        public synchronized void onBlockUpdated(SparkListenerBlockUpdated e) {
            BlockUpdatedInfo info = e.blockUpdatedInfo();
            // Only broadcast_N_pieceK: the serialized (and, by default, compressed) bytes executors fetch. The whole
            // deserialized value (broadcast_N) is never reported to the master; removals come with an invalid level.
            if (!(info.blockId() instanceof BroadcastBlockId id) || !id.field().startsWith("piece")
                    || !info.storageLevel().isValid()) {
                return;
            }
            long bytes = info.memSize() + info.diskSize();
            broadcastPieces.add(id.name() + "=" + bytes + (activeJob == null ? "" : " (in " + activeJob + ")"));
            if (activeJob == null) {
                pending += bytes;
            } else {
                taskBinaryBytes.merge(activeJob, bytes, Long::sum);
            }
        }
    }

    /** For the report: what SerializableHadoopConf (captured by RoundTask) weighs in the task binary. */
    private static Long[] hadoopConfBytes() throws Exception {
        var conf = new io.sparklora.jobs.io.SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        var raw = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(raw)) {
            out.writeObject(conf);
        }
        var packed = new java.io.ByteArrayOutputStream();
        try (var out = new org.apache.spark.io.LZ4CompressionCodec(spark.sparkContext().getConf()).compressedOutputStream(packed)) {
            out.write(raw.toByteArray());
        }
        return new Long[] {(long) raw.size(), (long) packed.size()};
    }

    @Test
    void eachRoundShipsAdapterSizedBytesBothWaysAndFarLessThanTheBaseModel() throws Exception {
        PayloadListener listener = new PayloadListener();
        spark.sparkContext().addSparkListener(listener);
        JobConfig config = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(),
                dir.resolve("out").toString(), WORKERS, ROUNDS), "test.yaml", List.of());
        RunResult result;
        try {
            result = new TrainingMaster(spark, config).run();
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }

        long trainable = ((Number) result.summary().get("trainable_parameters")).longValue();
        BaseModel base = BaseModelLoader.load(model);
        long adapterBytes = 4 * trainable;
        long baseBytes = 4 * base.parameterCount();
        long limit = (long) Math.ceil(1.1 * adapterBytes) + OVERHEAD;
        System.out.printf("RoundPayloadTest: base %d parameters = %d bytes (f32); adapter %d trainable parameters = %d bytes;"
                + " limit per transfer %d bytes; 10%% of base %d bytes%n", base.parameterCount(), baseBytes, trainable,
                adapterBytes, limit, baseBytes / 10);
        System.out.printf("RoundPayloadTest: the Hadoop configuration each round's closure carries: %d bytes serialized,"
                + " %d bytes lz4%n", (Object[]) hadoopConfBytes());
        synchronized (listener) {
            System.out.println("RoundPayloadTest: broadcast pieces in order: " + listener.broadcastPieces);
            for (int r = 1; r <= ROUNDS; r++) {
                String key = ROUND + r;
                System.out.printf("RoundPayloadTest: %s: theta broadcast %s bytes; task results %s bytes; "
                                + "(task binary broadcast %s bytes)%n", key, listener.valueBroadcastBytes.get(key),
                        listener.resultBytes.get(key), listener.taskBinaryBytes.get(key));
            }

            assertThat(baseBytes).as("base model bytes").isGreaterThan(10L * limit); // the contrast is meaningful
            for (int r = 1; r <= ROUNDS; r++) {
                String key = ROUND + r;
                // Broadcast: Spark's BlockUpdated sizes of the pieces stored just before the round's job started.
                assertThat(listener.valueBroadcastBytes).as("broadcasts before %s", key).containsKey(key);
                long broadcast = listener.valueBroadcastBytes.get(key);
                assertThat(broadcast).as("%s: θ broadcast bytes", key)
                        .isPositive().isLessThanOrEqualTo(limit).isLessThan(baseBytes / 10);
                // Results: Spark's resultSize task metric, the serialized value each task sent back.
                List<Long> results = listener.resultBytes.get(key);
                assertThat(results).as("%s: one result per worker", key).hasSize(WORKERS);
                for (long bytes : results) {
                    assertThat(bytes).as("%s: task result bytes", key)
                            .isGreaterThanOrEqualTo(adapterBytes) // a whole gradient, not a fragment
                            .isLessThanOrEqualTo(limit).isLessThan(baseBytes / 10);
                }
            }
            assertThat(listener.resultBytes).as("no round beyond the configured ones").doesNotContainKey(ROUND + (ROUNDS + 1));
        }
    }
}
