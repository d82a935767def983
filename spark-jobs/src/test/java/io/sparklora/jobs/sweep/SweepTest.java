package io.sparklora.jobs.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.SweepRuns;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.TrainingException;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A rank x target-modules sweep on local[2]: every combination's adapter is the same bytes as the combination
 * trained alone, sweep.json ranks them, and a sweep stopped mid-way resumes to the same adapters.
 */
class SweepTest {
    private static final String[] GRID = {"lora.r=2,4", "lora.target_modules=[q_proj],[v_proj,o_proj]"};
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path yaml;
    static Map<String, Object> reference;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2]");
        Path model = TinyJob.model(dir);
        Path data = TinyJob.dataset(dir);
        yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, TinyJob.yaml(model.toString(), data.toString(), dir.resolve("sweep").toString(), 2, 4));
        reference = SweepRuns.sweep(spark, yaml, List.of(), GRID);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    @SuppressWarnings("unchecked")
    void sweepJsonRanksEveryCombinationByValidationLoss() throws Exception {
        Path root = dir.resolve("sweep");
        Map<String, Object> written = new ObjectMapper().readValue(root.resolve(SweepRun.JSON_FILE).toFile(),
                new TypeReference<>() {
                });
        assertThat(written.get("status")).isEqualTo("succeeded");
        assertThat(written.get("metric")).isEqualTo("eval_loss");
        assertThat(written.get("data_groups")).isEqualTo(1);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) written.get("rows");
        assertThat(rows).extracting(r -> r.get("name")).containsExactlyInAnyOrder("r-2__target_modules-q_proj",
                "r-2__target_modules-v_proj+o_proj", "r-4__target_modules-q_proj", "r-4__target_modules-v_proj+o_proj");
        assertThat(rows).extracting(r -> ((Number) r.get("eval_loss")).doubleValue()).isSorted();
        // twice the rank, twice the parameters: q_proj A (r x 32) and B (32 x r) in each of the 2 layers
        assertThat(parameters(rows, "r-4__target_modules-q_proj")).isEqualTo(2 * parameters(rows, "r-2__target_modules-q_proj"))
                .isEqualTo(2 * (4 * 32 + 32 * 4));
        for (Map<String, Object> row : rows) {
            Path combination = root.resolve((String) row.get("name"));
            assertThat(combination.resolve(RunLayout.METRICS)).exists();
            assertThat(combination.resolve("report.html")).exists();
            assertThat((double) row.get("eval_loss")).isLessThan((double) row.get("eval_loss_before"));
        }
        assertThat(Files.readString(root.resolve(SweepRun.HTML_FILE))).contains("r-4__target_modules-v_proj+o_proj")
                .contains("<svg");
        try (var files = Files.list(root)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("_staging"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFinishedSweepRerunTrainsNothingAndRewritesTheSameTable() throws Exception {
        Path root = dir.resolve("sweep");
        List<Path> combinations = SweepGrid.parse(List.of(GRID)).combinations().stream().map(c -> root.resolve(c.name()))
                .toList();
        Map<Path, byte[]> before = CliRuns.snapshot(combinations.toArray(Path[]::new));

        Map<String, Object> again = SweepRuns.sweep(spark, yaml, List.of(), GRID);

        CliRuns.assertUnchanged(before, combinations.toArray(Path[]::new));
        assertThat(reference.get("already_complete")).isEqualTo(0);
        assertThat(again.get("already_complete")).isEqualTo(4);
        assertThat((List<Map<String, Object>>) again.get("rows")).extracting(r -> r.get("name"), r -> r.get("eval_loss"))
                .isEqualTo(((List<Map<String, Object>>) reference.get("rows")).stream()
                        .map(r -> org.assertj.core.groups.Tuple.tuple(r.get("name"), r.get("eval_loss"))).toList());
        String text = SweepTable.text(again);
        assertThat(text.lines()).hasSize(5);
        assertThat(text.lines().findFirst().orElseThrow()).startsWith("lora.r  lora.target_modules").contains("val loss");
    }

    @Test
    void aSweepThatFailsLeavesNoSweepJsonAndEverySummarySaysFailed() throws Exception {
        Path root = dir.resolve("failing");
        List<String> sets = List.of("output.path=" + root, "train.max_grad_norm=0", "train.nan_policy=stop");

        assertThatThrownBy(() -> SweepRuns.sweep(spark, yaml, sets, "train.learning_rate=0.01,1e30"))
                .isInstanceOf(TrainingException.class)
                .hasMessageMatching("combination learning_rate-1e30, round \\d+: the loss or gradient is not finite.*");

        assertThat(root.resolve(SweepRun.JSON_FILE)).doesNotExist();
        assertThat(root.resolve(SweepRun.HTML_FILE)).doesNotExist();
        for (String name : List.of("learning_rate-0.01", "learning_rate-1e30")) {
            assertThat(Files.readString(root.resolve(name).resolve(RunLayout.SUMMARY))).contains("\"status\" : \"failed\"")
                    .contains("combination learning_rate-1e30");
            assertThat(root.resolve(name).resolve(RunLayout.ADAPTER)).doesNotExist();
        }
    }

    private static long parameters(List<Map<String, Object>> rows, String name) {
        return rows.stream().filter(r -> r.get("name").equals(name)).map(r -> ((Number) r.get("trainable_parameters"))
                .longValue()).findFirst().orElseThrow();
    }

    @Test
    void eachAdapterIsTheSameBytesAsItsCombinationTrainedAlone() throws Exception {
        List<Combination> combinations = SweepGrid.parse(List.of(GRID)).combinations();
        for (Combination c : List.of(combinations.get(0), combinations.get(3))) { // r=2 [q_proj]; r=4 [v_proj,o_proj]
            Path alone = dir.resolve("alone-" + c.name());
            SweepRuns.alone(spark, yaml, c, alone);
            SweepRuns.assertSameAdapter(dir.resolve("sweep").resolve(c.name()), alone);
        }
    }

    @Test
    void aSweepStoppedAfterItsCheckpointResumesToTheSameAdapters() throws Exception {
        List<String> elsewhere = List.of("output.path=" + dir.resolve("resumed"));
        spark.conf().set(FaultInjection.STOP_AFTER_ROUND, "2"); // after round 3, past the checkpoint of round 2
        try {
            assertThatThrownBy(() -> SweepRuns.sweep(spark, yaml, elsewhere, GRID))
                    .isInstanceOf(FaultInjection.InjectedStop.class);
        } finally {
            spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        }
        Path resumed = dir.resolve("resumed");
        assertThat(resumed.resolve(SweepRun.JSON_FILE)).doesNotExist();
        assertThat(resumed.resolve("r-4__target_modules-q_proj").resolve(RunLayout.CHECKPOINTS)).isDirectory();

        Map<String, Object> doc = SweepRuns.sweep(spark, yaml, elsewhere, GRID);

        assertThat(doc.get("status")).isEqualTo("succeeded");
        for (Combination c : SweepGrid.parse(List.of(GRID)).combinations()) {
            SweepRuns.assertSameAdapter(dir.resolve("sweep").resolve(c.name()), resumed.resolve(c.name()));
            assertThat(Files.readString(resumed.resolve(c.name()).resolve(RunLayout.SUMMARY)))
                    .contains("\"resumed_from_round\" : 2");
        }
    }

    @Test
    void aGridAxisThatChangesTheDataPreparationTrainsInGroups() throws Exception {
        List<String> elsewhere = List.of("output.path=" + dir.resolve("groups"), "lora.r=2");
        Map<String, Object> doc = SweepRuns.sweep(spark, yaml, elsewhere, "data.max_seq_len=12,16");

        assertThat(doc.get("data_groups")).isEqualTo(2);
        Combination shortRows = SweepGrid.parse(List.of("data.max_seq_len=12,16")).combinations().get(0);
        Path alone = dir.resolve("alone-groups");
        SweepRuns.alone(spark, yaml, new Combination(shortRows.name(), Map.of("lora.r", "2", "data.max_seq_len", "12")),
                alone);
        SweepRuns.assertSameAdapter(dir.resolve("groups").resolve(shortRows.name()), alone);
    }
}
