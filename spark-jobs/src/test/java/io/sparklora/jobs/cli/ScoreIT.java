package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.jobs.faults.FaultRuns;
import io.sparklora.jobs.score.ScoreJob;
import io.sparklora.jobs.score.ScoreOutput;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.train.FaultInjection;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code score} on local-cluster[2,1,1024] (two executor JVMs loading the packaged jar): exactly one output row per
 * input row with the ids kept; a job whose tasks fail every attempt, and a driver killed once the new output is
 * complete in staging, leave the previous output as it was, marker included, and nothing else at the output path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScoreIT {
    static final int ROWS = 40;

    @TempDir
    static Path dir;
    static Path model;
    static Path adapter;
    static Path input;
    static SparkSession spark;

    @BeforeAll
    static void clusterModelAndRows() throws Exception {
        model = ToolFixtures.model(dir);
        BaseModel base = ToolFixtures.load(model);
        LoraPlan plan = ToolFixtures.plan(base);
        adapter = ToolFixtures.writeAdapter(dir.resolve("adapter"), base, model, plan, ToolFixtures.trainedTheta(plan, 3));
        String[] animals = {"cat", "dog", "bird", "fish", "fox", "owl"};
        String[] places = {"mat", "log", "hill", "pond", "box", "tree"};
        input = dir.resolve("rows");
        for (int f = 0; f < 4; f++) { // four files: four input partitions over two executors
            StringBuilder sb = new StringBuilder();
            for (int i = f; i < ROWS; i += 4) {
                sb.append("{\"key\": \"row-").append(i).append("\", \"part\": ").append(f).append(", \"text\": \"the ")
                        .append(animals[i % 6]).append(" sat on the ").append(places[(i * 5) % 6]).append(".\"}\n");
            }
            CliRuns.write(input.resolve("part-" + f + ".jsonl"), sb.toString());
        }
        spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", System.getProperty("sparklora.jobs.jar"),
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static String[] args(Path output, String... extra) {
        List<String> a = new ArrayList<>(List.of("score", "--model", model.toString(), "--adapter", adapter.toString(),
                "--path", input.toString(), "--id-columns", "key,part", "--max-seq-len", "32", "--batch-rows", "4",
                "--output", output.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** The job as the command runs it, on this class's cluster session. */
    static ScoreJob.Result score(String... args) throws Exception {
        return ScoreJob.run(spark, ScoreCommand.Options.parse(args).request(spark.sparkContext().hadoopConfiguration()));
    }

    static Set<String> keys(Path output) {
        return spark.read().parquet(output.toString()).collectAsList().stream().map(r -> r.getString(0) + "/" + r.getLong(1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> visible(Path parent) throws Exception {
        try (var files = Files.list(parent)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    @Order(1)
    void everyInputRowGivesExactlyOneOutputRowWithItsIds() throws Exception {
        Path out = dir.resolve("scores").resolve("v1");
        long t0 = System.nanoTime();
        ScoreJob.Result result = score(args(out));
        System.out.printf("ScoreIT: %d rows scored on local-cluster[2,1,1024] in %.1f s%n", result.rows(),
                (System.nanoTime() - t0) / 1e9);

        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertThat(rows).hasSize(ROWS);
        assertThat(result.rows()).isEqualTo(ROWS);
        assertThat(result.errorRows()).isZero();
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < ROWS; i++) {
            expected.add("row-" + i + "/" + (i % 4));
        }
        assertThat(keys(out)).isEqualTo(expected);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.getDouble(2)).isPositive();
            assertThat(r.isNullAt(r.fieldIndex("error"))).isTrue();
        });
        assertThat(out.resolve(ScoreOutput.MARKER)).exists();
        assertThat(new ObjectMapper().readTree(out.resolve(ScoreOutput.RECORD).toFile()).get("rows").asInt()).isEqualTo(ROWS);
    }

    @Test
    @Order(2)
    void aJobWhoseTasksAllFailLeavesThePreviousOutputAsItWas() throws Exception {
        Path out = dir.resolve("scores").resolve("v1");
        Map<Path, byte[]> before = CliRuns.snapshot(out);
        Set<String> parent = visible(out.getParent());
        spark.conf().set(FaultInjection.FAIL_SCORE_TASKS, "true");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(() -> score(args(out, "--overwrite", "--generate", "4")))
                    .hasStackTraceContaining("injected failure of scoring task");
        } finally {
            spark.conf().unset(FaultInjection.FAIL_SCORE_TASKS);
        }
        System.out.printf("ScoreIT: a job whose tasks all fail aborted after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        CliRuns.assertUnchanged(before, out);
        assertThat(visible(out.getParent())).isEqualTo(parent);
    }

    @Test
    @Order(3)
    void aDriverKilledBeforePublishingLeavesThePreviousOutputAndTheRerunReplacesIt() throws Exception {
        Path out = dir.resolve("scores").resolve("v1");
        Map<Path, byte[]> before = CliRuns.snapshot(out);
        Path log = dir.resolve("halted.log");
        long t0 = System.nanoTime();
        Process p = FaultRuns.startCli(log, List.of("-D" + FaultInjection.HALT_BEFORE_SCORE_PUBLISH + "=true"),
                args(out, "--overwrite", "--generate", "4"));
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("log:%n%s", FaultRuns.read(log)).isEqualTo(137);
        System.out.printf("ScoreIT: driver (a child JVM, local[2]) halted before publishing after %.1f s%n",
                (System.nanoTime() - t0) / 1e9);
        CliRuns.assertUnchanged(before, out);
        Path staging = out.getParent().resolve(".v1.staging");
        assertThat(staging.resolve(ScoreOutput.RECORD)).as("the new output was complete in staging").exists();
        assertThat(visible(out.getParent())).containsExactly("v1");

        ScoreJob.Result rerun = score(args(out, "--overwrite", "--generate", "4"));
        assertThat(rerun.rows()).isEqualTo(ROWS);
        assertThat(spark.read().parquet(out.toString()).columns()).contains("completion");
        assertThat(keys(out)).hasSize(ROWS);
        assertThat(out.resolve(ScoreOutput.MARKER)).exists();
        assertThat(staging).doesNotExist();
        assertThat(out.getParent().resolve(".v1.previous")).doesNotExist();
    }
}
