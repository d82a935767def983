package io.sparklora.jobs.storage;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.cli.SparkLoraMain;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a run does when its output storage is unusable, its checkpoints are damaged, or it stops mid-way. */
class StorageFaultsTest {
    private static final int ROUNDS = 6; // checkpoints (every 2 rounds, keep 2) at rounds 2 and 4

    @TempDir
    static Path shared;
    static Path model;
    static Path data;
    static float[] undisturbed;

    @TempDir
    Path dir;
    SparkSession spark;

    @BeforeAll
    static void assets() throws Exception {
        model = TinyJob.model(shared);
        data = TinyJob.dataset(shared);
    }

    @AfterEach
    void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    private SparkSession spark() {
        if (spark == null) {
            spark = LocalSpark.start("local[2,2]");
        }
        return spark;
    }

    private static JobConfig config(Path output) {
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, ROUNDS),
                "test.yaml", List.of());
    }

    private static float[] adapterTheta(Path output) throws Exception {
        BaseModel base = BaseModelLoader.load(model);
        return PeftAdapterFiles.read(output.resolve(RunLayout.ADAPTER), base.layout()).verifiedFor(base).adapter().theta();
    }

    private synchronized float[] undisturbed() throws Exception {
        if (undisturbed == null) {
            Path out = shared.resolve("undisturbed");
            new TrainingMaster(spark(), config(out)).run();
            undisturbed = adapterTheta(out);
        }
        return undisturbed;
    }

    /** Runs until the injected stop after round {@code stopAfter} (0-based) and returns the run's output path. */
    private Path stoppedRun(String name, long stopAfter) {
        Path out = dir.resolve(name);
        spark().conf().set(FaultInjection.STOP_AFTER_ROUND, Long.toString(stopAfter));
        try {
            assertThatThrownBy(() -> new TrainingMaster(spark, config(out)).run()).isInstanceOf(FaultInjection.InjectedStop.class);
        } finally {
            spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        }
        return out;
    }

    private static Path checkpoint(Path out, int round) {
        return out.resolve(RunLayout.CHECKPOINTS).resolve(String.format("round-%08d", round));
    }

    private static void truncate(Path file) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size / 2);
        }
    }

    private static void flipBytes(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 8; i++) {
            bytes[i] = (byte) ~bytes[i];
        }
        Files.write(file, bytes);
    }

    private RunResult resumeCapturingLog(Path out, StringBuilder log) throws Exception {
        try (LogCapture capture = new LogCapture()) {
            RunResult r = new TrainingMaster(spark(), config(out)).run();
            log.append(capture.text());
            return r;
        }
    }

    // ---- output path that cannot be created ----

    @Test
    void anOutputPathUnderARegularFileFailsWithOneClearMessageAndWritesNothing() throws Exception {
        Path blocker = CliRuns.write(dir.resolve("not-a-dir"), "a plain file\n");
        Path output = blocker.resolve("run");
        Path yaml = CliRuns.write(dir.resolve("job.yaml"), TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, 2));
        Map<Path, byte[]> before = CliRuns.snapshot(dir, shared);

        CliRuns.Result first = CliRuns.train(yaml);
        String message = first.failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("output.path").contains(output.toString());
        CliRuns.assertUnchanged(before, dir, shared); // no adapter, summary or checkpoint anywhere

        CliRuns.Result second = CliRuns.train(yaml); // the same clear error again, nothing half-written
        assertThat(second.failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: ")).isEqualTo(message);
        CliRuns.assertUnchanged(before, dir, shared);
    }

    // ---- damaged checkpoints ----

    @Test
    void aTruncatedNewestCheckpointFallsBackToThePreviousOneWithAWarning() throws Exception {
        float[] expected = undisturbed();
        Path out = stoppedRun("truncated", 4); // dies in round 6, after the round-4 checkpoint
        assertThat(checkpoint(out, 4).resolve("_COMPLETE")).exists();
        assertThat(checkpoint(out, 2).resolve("_COMPLETE")).exists();
        truncate(checkpoint(out, 4).resolve("theta.safetensors"));

        StringBuilder log = new StringBuilder();
        RunResult r = resumeCapturingLog(out, log);

        assertThat(log).contains("WARN").contains(checkpoint(out, 4).getFileName().toString()).contains("theta.safetensors");
        assertThat(r.summary().get("resumed_from_round")).isEqualTo(2L);
        assertThat(adapterTheta(out)).isEqualTo(expected); // bit for bit
    }

    @Test
    void aCorruptedOptimizerStateFallsBackToThePreviousCheckpoint() throws Exception {
        float[] expected = undisturbed();
        Path out = stoppedRun("corrupted", 4);
        flipBytes(checkpoint(out, 4).resolve("optimizer.safetensors"));

        StringBuilder log = new StringBuilder();
        RunResult r = resumeCapturingLog(out, log);

        assertThat(log).contains("WARN").contains("optimizer.safetensors");
        assertThat(r.summary().get("resumed_from_round")).isEqualTo(2L);
        assertThat(adapterTheta(out)).isEqualTo(expected);
    }

    @Test
    void whenEveryCheckpointIsDamagedTheRunStartsOverWithAWarning() throws Exception {
        float[] expected = undisturbed();
        Path out = stoppedRun("all-damaged", 4);
        truncate(checkpoint(out, 4).resolve("theta.safetensors"));
        flipBytes(checkpoint(out, 2).resolve("optimizer.safetensors"));

        StringBuilder log = new StringBuilder();
        RunResult r = resumeCapturingLog(out, log);

        assertThat(log).contains("WARN").contains("no intact checkpoint").contains("starting over from round 0");
        assertThat(r.summary().get("resumed_from_round")).isEqualTo(0L);
        assertThat(adapterTheta(out)).isEqualTo(expected);
    }

    // ---- never a half adapter ----

    @Test
    void aRunStoppedAnywhereLeavesEitherNoAdapterOrAWholeOne() throws Exception {
        float[] expected = undisturbed();
        Path out = dir.resolve("stop-anywhere");
        for (long stop = 0; stop < ROUNDS; stop++) {
            spark().conf().set(FaultInjection.STOP_AFTER_ROUND, Long.toString(stop));
            try {
                new TrainingMaster(spark, config(out)).run();
            } catch (FaultInjection.InjectedStop e) {
                // expected while rounds remain
            } finally {
                spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
            }
            assertAbsentOrWhole(out);
            try (var s = Files.list(out)) {
                assertThat(s.map(p -> p.getFileName().toString())).as("no staging left at the final path's level")
                        .noneMatch(n -> n.startsWith("_staging-") && Files.exists(out.resolve(n).resolve("adapter_config.json"))
                                && !Files.exists(out.resolve(n).resolve("adapter_model.safetensors")));
            }
        }
        new TrainingMaster(spark(), config(out)).run();
        assertAbsentOrWhole(out);
        assertThat(adapterTheta(out)).isEqualTo(expected);
    }

    private static void assertAbsentOrWhole(Path out) throws Exception {
        Path adapter = out.resolve(RunLayout.ADAPTER);
        if (!Files.exists(adapter)) {
            return;
        }
        assertThat(adapter.resolve("adapter_model.safetensors")).isRegularFile();
        assertThat(adapter.resolve("adapter_config.json")).isRegularFile();
        assertThat(adapterTheta(out)).isNotEmpty();
    }
}
