package io.sparklora.jobs.sweep;

import io.sparklora.jobs.cli.SparkLoraMain;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad grids: one line naming the axis or the combination and the fix, exit 2, nothing trained. */
class SweepErrorsTest {
    @TempDir
    static Path dir;
    static Path yaml;

    @BeforeAll
    static void files() throws Exception {
        Path model = TinyJob.model(dir);
        Path data = TinyJob.dataset(dir);
        yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, TinyJob.yaml(model.toString(), data.toString(), dir.resolve("out").toString(), 2, 2));
    }

    private static CliRuns.Result sweep(String... gridAndSets) {
        String[] args = new String[3 + gridAndSets.length];
        args[0] = "sweep";
        args[1] = "--config";
        args[2] = yaml.toString();
        System.arraycopy(gridAndSets, 0, args, 3, gridAndSets.length);
        return CliRuns.run(args);
    }

    @Test
    void anUnknownGridKeyGetsTheSuggestionsSetGives() {
        String message = sweep("--grid", "lora.rank=4,8").failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("--grid lora.rank=4,8").contains("did you mean lora.r?");
        assertThat(sweep("--grid", "lorra.r=4").failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: "))
                .contains("did you mean lora?");
    }

    @Test
    void aValueThatFailsValidationNamesItsCombination() {
        String message = sweep("--grid", "lora.r=4,0", "--grid", "lora.alpha=8,16")
                .failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("--grid lora.r=0").contains("lora.r").contains("sweep combination lora.r=0 lora.alpha=8");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aModelCheckFailureNamesItsCombination() {
        // the tiny model's k/v projections have 16 outputs: r = 64 passes the key's own check but not the model's
        String message = sweep("--grid", "lora.r=4,64", "--set", "lora.target_modules=[v_proj]")
                .failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: ");
        assertThat(message).contains("sweep combination lora.r=64");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void emptyAxesDuplicatesAndMissingGridsAreRefused() {
        assertThatThrownBy(() -> GridAxisParse.of("lora.r=")).isInstanceOf(JobConfigException.class)
                .hasMessageContaining("--grid lora.r=: the axis has no values");
        assertThatThrownBy(() -> GridAxisParse.of("lora.r=4,,8")).hasMessageContaining("an empty value between commas");
        assertThatThrownBy(() -> GridAxisParse.of("lora.r=4,4")).hasMessageContaining("the value 4 appears twice");
        assertThatThrownBy(() -> GridAxisParse.of("output.path=a,b")).hasMessageContaining("cannot be a grid axis");
        assertThatThrownBy(() -> GridAxisParse.of("lora.target_modules=[q_proj,v_proj")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> SweepGrid.parse(List.of("lora.r=4", "lora.r=8"))).hasMessageContaining("given twice");
        assertThat(sweep().failsWith(SparkLoraMain.CONFIG_ERROR, "configuration error: "))
                .contains("sweep needs at least one --grid");
    }

    @Test
    void listValuesSplitOutsideBracketsAndNameTheirDirectories() {
        List<Combination> combinations = SweepGrid.parse(List.of("lora.target_modules=[q_proj], [q_proj, v_proj]",
                "lora.seed=1,2", "train.seed=3")).combinations();
        assertThat(combinations).extracting(Combination::name).containsExactly(
                "target_modules-q_proj__lora.seed-1__train.seed-3", "target_modules-q_proj__lora.seed-2__train.seed-3",
                "target_modules-q_proj+v_proj__lora.seed-1__train.seed-3",
                "target_modules-q_proj+v_proj__lora.seed-2__train.seed-3");
        assertThat(combinations.get(3).values()).isEqualTo(Map.of("lora.target_modules", "[q_proj, v_proj]",
                "lora.seed", "2", "train.seed", "3"));
        assertThat(SweepGrid.parse(List.of("lora.r=8")).combinations()).hasSize(1); // one combination is a sweep too
    }

    /** GridAxis.parse through the grid, as the command reads it. */
    private static final class GridAxisParse {
        static Object of(String arg) {
            return SweepGrid.parse(List.of(arg));
        }
    }
}
