package io.sparklora.jobs.cli;

import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.testing.CliRuns.assertNoAdapter;
import static io.sparklora.jobs.testing.CliRuns.assertUnchanged;
import static io.sparklora.jobs.testing.CliRuns.snapshot;
import static io.sparklora.jobs.testing.CliRuns.train;
import static io.sparklora.jobs.testing.CliRuns.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken model files, tokenizers and a rank the model cannot hold, given to the real {@code train} CLI: each is found
 * on the driver before any Spark work, exits 2 with one message naming the file and the fix, writes no adapter and
 * leaves the model directory, the data and the job file untouched.
 */
class BadModelInputsTest {
    @TempDir
    static Path shared;
    static Path pristine;
    static Path data;

    @TempDir
    Path dir;
    Path model;
    Path output;
    Path config;
    Map<Path, byte[]> inputs;

    @BeforeAll
    static void tinyModelAndData() throws Exception {
        pristine = TinyJob.model(shared);
        data = TinyJob.dataset(shared).getParent();
    }

    @BeforeEach
    void copyOfTheModel() throws IOException {
        model = dir.resolve("model");
        Files.createDirectories(model);
        try (var files = Files.list(pristine)) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        output = dir.resolve("out");
        config = dir.resolve("job.yaml");
        write(config, CliRuns.yaml(model, CliRuns.jsonl(data), output));
    }

    /** Runs train after the model was broken; the run must fail before writing anything but its own output. */
    private String fails(String... sets) {
        inputs = snapshot(config, model, data);
        String message = train(config, sets).failsWith(CONFIG_ERROR, "");
        assertNoAdapter(output);
        assertNoAdapter(model);
        assertUnchanged(inputs, config, model, data);
        return message;
    }

    private Path weights() {
        return model.resolve("model.safetensors");
    }

    private void replaceInConfig(String from, String to) throws IOException {
        Path file = model.resolve("config.json");
        String json = Files.readString(file);
        assertThat(json).containsPattern(from);
        Files.writeString(file, json.replaceFirst(from, to));
    }

    @Test
    void anEncoderIsRefusedNamingWhatItIs() throws IOException {
        io.sparklora.core.testing.TinyModels.write(io.sparklora.core.testing.TinyModels.random(
                io.sparklora.core.testing.TinyModels.bert(), 1), model);
        String message = fails();
        assertThat(message).startsWith("model error: the model in " + model).contains("bert encoder")
                .contains("set task.label_column");
    }

    @Test
    void truncatedWeightsNameTheFile() throws IOException {
        byte[] bytes = Files.readAllBytes(weights());
        Files.write(weights(), Arrays.copyOf(bytes, bytes.length / 2));
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model)
                .contains("model.safetensors").contains("Hugging Face model directory");
    }

    @Test
    void oversizedHeaderNamesTheFile() throws IOException {
        byte[] bytes = Files.readAllBytes(weights());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(weights(), bytes);
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model).contains("model.safetensors")
                .contains("header");
    }

    @Test
    void unknownDtypeNamesTheFileAndTheKnownTypes() throws IOException {
        byte[] bytes = Files.readAllBytes(weights());
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("\"F32\"");
        Files.write(weights(), text.replaceFirst("\"F32\"", "\"Q32\"").getBytes(StandardCharsets.ISO_8859_1));
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model).contains("model.safetensors")
                .contains("Q32").contains("F32");
    }

    @Test
    void tensorsMissingForConfigJsonAreNamed() throws IOException {
        replaceInConfig("\"num_hidden_layers\" ?: ?2", "\"num_hidden_layers\": 3");
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model)
                .contains("missing tensor(s)").contains("layers.2.").contains("config.json");
    }

    @Test
    void misShapedTensorNamesItAndBothShapes() throws IOException {
        replaceInConfig("\"intermediate_size\" ?: ?64", "\"intermediate_size\": 48");
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model)
                .contains("has shape").contains("but config.json implies").contains("48");
    }

    @Test
    void unknownModelFamilyListsTheSupportedOnes() throws IOException {
        replaceInConfig("\"model_type\" ?: ?\"llama\"", "\"model_type\": \"electra\"");
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model).contains("electra")
                .contains("llama").contains("gpt2");
    }

    @Test
    void missingConfigJsonIsNamed() throws IOException {
        Files.delete(model.resolve("config.json"));
        String message = fails();
        assertThat(message).startsWith("model error: cannot use the model in " + model)
                .contains(model.resolve("config.json").toString()).contains("not found");
    }

    @Test
    void missingModelDirectoryIsNamed() {
        Path missing = dir.resolve("no-such-model");
        String message = fails("model.path=" + missing);
        assertThat(message).startsWith("model error: model.path " + missing + " does not exist")
                .contains("set model.path to the directory that holds config.json");
        assertThat(missing).doesNotExist();
    }

    @Test
    void missingTokenizerSaysWhereToPutIt() throws IOException {
        Files.delete(model.resolve("tokenizer.json"));
        String message = fails();
        assertThat(message).startsWith("model error: tokenizer " + model + "/tokenizer.json not found")
                .contains("set model.tokenizer");
    }

    @Test
    void malformedTokenizerIsNamed() throws IOException {
        Files.writeString(model.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        String message = fails();
        assertThat(message).startsWith("model error: cannot load the tokenizer " + model + "/tokenizer.json")
                .contains("set model.tokenizer");
    }

    @Test
    void tokenizerLargerThanTheModelsVocabularyNamesBothFiles() throws IOException {
        Path other = write(dir.resolve("big/tokenizer.json"),
                TokenizerBuilder.characterLevel(TinyJob.CORPUS, 400, List.of("<|endoftext|>", "<pad>", "<s>", "</s>",
                        "<a>", "<b>", "<c>", "<d>", "<e>", "<f>", "<g>", "<h>", "<i>", "<j>", "<k>", "<l>", "<m>", "<n>",
                        "<o>", "<p>", "<q>", "<r>", "<s2>", "<t>", "<u>", "<v>", "<w>", "<x>", "<y>", "<z>", "<0>", "<1>",
                        "<2>", "<3>", "<4>", "<5>", "<6>", "<7>", "<8>", "<9>", "<10>", "<11>", "<12>", "<13>", "<14>",
                        "<15>", "<16>", "<17>", "<18>", "<19>")));
        Map<Path, byte[]> tokenizer = snapshot(other);
        String message = fails("model.tokenizer=" + other);
        assertThat(message).startsWith("model error: the tokenizer " + other + " produces token ids up to ")
                .contains(model + "/config.json has vocab_size").contains("use the model's own tokenizer.json");
        assertUnchanged(tokenizer, other);
    }

    @Test
    void rankLargerThanALayerNamesTheModule() {
        String message = fails("lora.r=1000");
        assertThat(message).startsWith("configuration error: lora r = 1000 exceeds the dimensions of ")
                .contains("(model " + model + ")");
    }

    @Test
    void modelProblemsMetInsideASparkTaskAreOneModelErrorLine() {
        // A model on a cluster file system is only read by the executors; what they report reaches the driver wrapped.
        var range = new RuntimeException("Job aborted due to stage failure: Lost task 0.0 (TID 1): "
                + "java.lang.IllegalArgumentException: token id 400 at row 0, position 3 is outside the model's "
                + "vocabulary of 297; the tokenizer does not match the model\n\tat x.y(Z.java:1)");
        assertThat(SparkLoraMain.modelFromTask(range)).isEqualTo("token id 400 at row 0, position 3 is outside the "
                + "model's vocabulary of 297; the tokenizer does not match the model");
        var load = new RuntimeException("outer", new java.io.UncheckedIOException(
                "cannot load the base model hdfs://nn/m: hdfs://nn/m/config.json not found", new IOException("x")));
        assertThat(SparkLoraMain.modelFromTask(load))
                .isEqualTo("cannot load the base model hdfs://nn/m: hdfs://nn/m/config.json not found");
        assertThat(SparkLoraMain.modelFromTask(new RuntimeException("something else"))).isNull();
    }
}
