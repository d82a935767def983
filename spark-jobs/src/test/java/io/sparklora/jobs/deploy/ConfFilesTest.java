package io.sparklora.jobs.deploy;

import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every job file shipped in conf/ parses and validates with the project's loader (its paths need not exist). */
class ConfFilesTest {
    private static final Path CONF = Path.of("..", "conf");

    @TestFactory
    Stream<DynamicTest> everyYamlInConfParses() throws IOException {
        List<Path> files = yamlFiles();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("demo.yaml", "gpt2-medium-e2e.yaml", "llama-lora.yaml");
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            JobConfig config = parse(file.getFileName().toString());
            assertThat(config.model().path()).isNotBlank();
            assertThat(config.output().path()).isNotBlank();
            assertThat(config.train().batchRows() % config.distributed().workers())
                    .as("train.batch_rows is a multiple of distributed.workers").isZero();
        }));
    }

    @Test
    void gpt2MediumE2eIsThePapersSetup() {
        JobConfig c = parse("gpt2-medium-e2e.yaml");

        assertThat(c.lora().r()).isEqualTo(4);
        assertThat(c.lora().alpha()).isEqualTo(32.0);
        assertThat(c.lora().dropout()).isEqualTo(0.1);
        assertThat(c.lora().targets()).isEqualTo(new TargetModules.Names(List.of("c_attn")));
        assertThat(c.train().learningRate()).isEqualTo(2e-4);
        assertThat(c.train().weightDecay()).isEqualTo(0.01);
        assertThat(c.train().warmupSteps()).isEqualTo(500);
        assertThat(c.train().schedule()).isEqualTo(LrSchedule.LINEAR);
        assertThat(c.train().batchRows()).isEqualTo(8);
        assertThat(c.train().epochs()).isEqualTo(5.0);
        assertThat(c.train().rounds()).isZero();
        assertThat(c.data().maxSeqLen()).isEqualTo(512);
        assertThat(c.data().promptCompletion()).isTrue();
        assertThat(c.model().path()).isEqualTo("hdfs:///models/gpt2-medium");
    }

    @Test
    void llamaLoraAdaptsEveryAttentionProjection() {
        JobConfig c = parse("llama-lora.yaml");

        assertThat(c.lora().r()).isEqualTo(16);
        assertThat(c.lora().alpha()).isEqualTo(32.0);
        assertThat(c.lora().targets())
                .isEqualTo(new TargetModules.Names(List.of("q_proj", "k_proj", "v_proj", "o_proj")));
        assertThat(c.train().schedule()).isEqualTo(LrSchedule.COSINE);
        assertThat(c.model().tokenizer()).isEqualTo("hdfs:///models/llama-3.2-1b/tokenizer.json");
    }

    /** The LoRA paper's Table 9 for RoBERTa-base: batch, epochs, learning rate per GLUE task. */
    @Test
    void glueConfigsAreThePapersRobertaBaseSettings() {
        Map<String, double[]> table = Map.of("mnli", new double[] {16, 30, 5e-4}, "sst2", new double[] {16, 60, 5e-4},
                "mrpc", new double[] {16, 30, 4e-4}, "cola", new double[] {32, 80, 4e-4},
                "qnli", new double[] {32, 25, 4e-4}, "qqp", new double[] {16, 25, 5e-4},
                "rte", new double[] {32, 80, 5e-4}, "stsb", new double[] {16, 40, 4e-4});
        table.forEach((task, expected) -> {
            JobConfig c = parse("glue-roberta-base/" + task + ".yaml");
            assertThat(c.lora().r()).as(task).isEqualTo(8);
            assertThat(c.lora().alpha()).as(task).isEqualTo(8.0);
            assertThat(c.lora().targets()).as(task).isEqualTo(new TargetModules.Names(List.of("query", "value")));
            assertThat(c.data().maxSeqLen()).as(task).isEqualTo(512);
            assertThat(c.train().batchRows()).as(task).isEqualTo((int) expected[0]);
            assertThat(c.train().epochs()).as(task).isEqualTo(expected[1]);
            assertThat(c.train().learningRate()).as(task).isEqualTo(expected[2]);
            assertThat(c.train().schedule()).as(task).isEqualTo(LrSchedule.LINEAR);
            assertThat(c.task().labelColumn()).as(task).isEqualTo("label");
            assertThat(c.task().problemType() == io.sparklora.core.model.ProblemType.REGRESSION).as(task)
                    .isEqualTo(task.equals("stsb"));
            assertThat(c.train().batchRows() % c.distributed().workers()).as(task).isZero();
        });
    }

    private static JobConfig parse(String name) {
        try {
            return JobConfigLoader.parse(Files.readString(CONF.resolve(name)), name, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.list(CONF)) {
            return files.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
        }
    }
}
