package io.sparklora.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A tiny prompt/completion run (validation = the training file, so memorisation shows as exact match) and its report:
 * summary figures, generations.jsonl, PNG plots, and report.html rendered by headless Chromium.
 */
class ReportRunTest {
    private static final int ROUNDS = 10;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path output;
    static RunResult result;
    static List<String> completions;

    @BeforeAll
    static void run() throws Exception {
        spark = LocalSpark.start("local[2,2]");
        Path model = TinyJob.model(dir);
        Path data = dir.resolve("pairs.jsonl");
        StringBuilder sb = new StringBuilder();
        completions = new ArrayList<>();
        for (String line : TinyJob.CORPUS) { // "the cat sat on the mat." -> "the cat sat on the" + " mat."
            int cut = line.lastIndexOf(' ');
            sb.append("{\"prompt\": \"").append(line, 0, cut).append("\", \"completion\": \"").append(line.substring(cut))
                    .append("\"}\n");
            completions.add(line.substring(cut));
        }
        Files.writeString(data, sb.toString());
        output = dir.resolve("run");
        JobConfig config = JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, ROUNDS),
                "test.yaml", List.of("data.prompt_column=prompt", "data.completion_column=completion",
                        "data.validation_fraction=0", "data.validation_path=" + data, "data.packing=false",
                        "data.max_seq_len=24", "train.learning_rate=0.05", "train.batch_rows=8", "train.micro_batch_rows=4", "lora.r=8", "eval.every_rounds=5"));
        result = new TrainingMaster(spark, config).run();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theSummaryHasExactMatchBeforeAndAfterAndTheBaseSize() {
        Map<String, Object> s = result.summary();
        assertThat(s.get("status")).isEqualTo("succeeded");
        assertThat(s.get("generation_examples")).isEqualTo(8);
        assertThat((Double) s.get("exact_match_before")).isBetween(0.0, 1.0);
        assertThat((Double) s.get("exact_match_after")).isBetween(0.0, 1.0);
        assertThat(((Number) s.get("base_parameters")).longValue()).isGreaterThan(((Number) s.get("trainable_parameters")).longValue());
        assertThat(((Number) s.get("base_bytes")).longValue()).isGreaterThan(((Number) s.get("adapter_bytes")).longValue());
        assertThat((Double) s.get("adapter_to_base_bytes")).isBetween(0.0, 1.0);
    }

    @Test
    void generationsJsonlHoldsPromptReferenceBaseAndAdaptedPerExample() throws Exception {
        List<String> lines = Files.readAllLines(output.resolve(RunReport.GENERATIONS));
        assertThat(lines).hasSize(8);
        ObjectMapper json = new ObjectMapper();
        int before = 0;
        int after = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = json.readTree(lines.get(i));
            assertThat(n.get("prompt").asText()).startsWith("the ").endsWith(" the");
            assertThat(n.get("reference").asText()).isEqualTo(completions.get(i));
            assertThat(n.has("base")).isTrue();
            assertThat(n.has("adapted")).isTrue();
            assertThat(n.get("adapted_exact").asBoolean())
                    .isEqualTo(GenerationRow.exactMatch(n.get("adapted").asText(), n.get("reference").asText()));
            before += n.get("base_exact").asBoolean() ? 1 : 0;
            after += n.get("adapted_exact").asBoolean() ? 1 : 0;
        }
        assertThat(result.summary().get("exact_match_before")).isEqualTo(before / 8.0);
        assertThat(result.summary().get("exact_match_after")).isEqualTo(after / 8.0);
        // the adapter memorised the pairs better than the random base model completes them
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void thePlotsArePngsOfTheConfiguredSize() throws Exception {
        for (String name : List.of("loss.png", "lr.png", "throughput.png")) {
            BufferedImage image = ImageIO.read(output.resolve(RunReport.PLOTS).resolve(name).toFile());
            assertThat(image).as(name).isNotNull();
            assertThat(image.getWidth()).isEqualTo(900);
            assertThat(image.getHeight()).isEqualTo(360);
            Path keep = Path.of("target", "report-screenshot", "plots").toAbsolutePath(); // for a look after the build
            Files.createDirectories(keep);
            Files.copy(output.resolve(RunReport.PLOTS).resolve(name), keep.resolve(name),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void reportHtmlIsSelfContainedAndRendersInHeadlessChromium() throws Exception {
        Path report = output.resolve(RunReport.REPORT);
        String html = Files.readString(report);
        assertThat(html).doesNotContain("<script", "<link", "src=", "url(", "@import");
        assertThat(html).contains("the cat sat on the", "exact match before → after");

        if (!Files.isExecutable(CHROMIUM)) {
            fail("headless Chromium (" + CHROMIUM + ") is missing: run the tests with deploy/test.sh, which installs it (as root or with sudo), to render report.html");
        }
        Path out = Path.of("target", "report-screenshot").toAbsolutePath();
        Files.createDirectories(out);
        Files.copy(report, out.resolve("report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path png = out.resolve("report.png");
        Files.deleteIfExists(png);
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--user-data-dir=" + profile, "--screenshot=" + png, "--window-size=1200,1600",
                report.toUri().toString())
                .redirectErrorStream(true).redirectOutput(out.resolve("chromium.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s; see " + out.resolve("chromium.log"));
        }
        assertThat(png).as("screenshot (chromium exit %d, log %s)", p.exitValue(), out.resolve("chromium.log")).exists();

        BufferedImage shot = ImageIO.read(png.toFile());
        assertThat(shot.getWidth()).isEqualTo(1200);
        assertThat(shot.getHeight()).isEqualTo(1600);
        int train = 0;
        int eval = 0;
        int lr = 0;
        int top = Integer.MAX_VALUE;
        int bottom = -1;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < shot.getHeight(); y++) {
            for (int x = 0; x < shot.getWidth(); x++) {
                int rgb = shot.getRGB(x, y) & 0xffffff;
                colours.add(rgb & 0xf0f0f0);
                if (ChartsTest.close(rgb, 0x1f77b4, 30)) {
                    train++;
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
                if (ChartsTest.close(rgb, 0xff7f0e, 30)) {
                    eval++;
                }
                if (ChartsTest.close(rgb, 0x2ca02c, 30)) {
                    lr++;
                }
            }
        }
        assertThat(train).as("train-loss pixels").isGreaterThan(300);
        assertThat(eval).as("eval-loss pixels").isGreaterThan(50);
        assertThat(lr).as("learning-rate pixels").isGreaterThan(100);
        // the loss chart's band (where its blue line is) is not blank
        int nonWhite = 0;
        for (int y = top; y <= bottom; y++) {
            for (int x = 0; x < shot.getWidth(); x++) {
                if ((shot.getRGB(x, y) & 0xffffff) < 0xf0f0f0) {
                    nonWhite++;
                }
            }
        }
        assertThat(nonWhite).as("non-white pixels in rows %d-%d", top, bottom).isGreaterThan(3000);
        assertThat(colours.size()).as("distinct colours").isGreaterThan(20);
    }
}
