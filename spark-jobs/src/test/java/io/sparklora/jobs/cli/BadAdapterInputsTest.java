package io.sparklora.jobs.cli;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.jobs.testing.CliRuns.Result;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static io.sparklora.jobs.testing.CliRuns.assertUnchanged;
import static io.sparklora.jobs.testing.CliRuns.snapshot;
import static io.sparklora.jobs.testing.CliRuns.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adapters and tokenizers that do not fit the model, given to generate, eval and merge: exit 2, one message naming
 * the adapter or tokenizer, the model and the fix; nothing written, the inputs untouched.
 */
class BadAdapterInputsTest {
    @TempDir
    static Path shared;
    static Path model;
    static BaseModel base;
    static Path adapter;
    static Path data;

    @TempDir
    Path dir;
    Map<Path, byte[]> inputs;

    @BeforeAll
    static void modelAndAdapter() throws Exception {
        model = ToolFixtures.model(shared);
        base = ToolFixtures.load(model);
        LoraPlan plan = ToolFixtures.plan(base);
        adapter = ToolFixtures.writeAdapter(shared.resolve("adapter"), base, model, plan, ToolFixtures.trainedTheta(plan, 5));
        data = TinyJob.dataset(shared);
    }

    @BeforeEach
    void remember() {
        inputs = snapshot(model, adapter, data);
    }

    private static Result generate(String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--prompt", "the cat", "--max-new-tokens", "4"));
        args.addAll(List.of(extra));
        return cli(args.toArray(String[]::new));
    }

    /** Exit 2 with one message starting with prefix, and no input changed. */
    private String fails(Result r, String prefix) {
        String message = r.failsWith(CONFIG_ERROR, prefix);
        assertUnchanged(inputs, model, adapter, data);
        return message;
    }

    @Test
    void generateWithAnAdapterOfAnotherBaseNamesBoth() throws Exception {
        Path other = dir.resolve("other");
        TinyModels.write(TinyModels.random(base.config(), 99), other);
        Files.copy(model.resolve("tokenizer.json"), other.resolve("tokenizer.json"));
        Map<Path, byte[]> otherBefore = snapshot(other);
        String message = fails(generate("--model", other.toString(), "--adapter", adapter.toString()),
                "the adapter in " + adapter + " does not fit the model in " + other);
        assertThat(message).contains("different base model");
        assertUnchanged(otherBefore, other);
    }

    @Test
    void mergeOfAnAdapterWithOtherShapesNamesTheTensor() throws Exception {
        // An adapter trained on a wider model (hidden 48): its A and B matrices cannot fit the 32-wide tiny model.
        ModelConfig wide = new ModelConfig(ModelFamily.LLAMA, "llama", base.config().vocabSize(), 48, 2, 4, 2, 12, 64,
                64, 1e-6, 10000, true, false, false, false, 0);
        Path wideDir = dir.resolve("wide");
        BaseModel wideBase = TinyModels.random(wide, 3);
        TinyModels.write(wideBase, wideDir);
        LoraPlan widePlan = ToolFixtures.plan(wideBase);
        Path wideAdapter = ToolFixtures.writeAdapter(dir.resolve("wide-adapter"), wideBase, wideDir, widePlan,
                widePlan.initialParameters());
        Map<Path, byte[]> adapterBefore = snapshot(wideAdapter);
        Path out = dir.resolve("merged");
        String message = fails(cli("merge", "--model", model.toString(), "--adapter", wideAdapter.toString(),
                "--output", out.toString()), "the adapter in " + wideAdapter + " does not fit the model in " + model);
        assertThat(message).contains("shape");
        assertThat(out).doesNotExist();
        assertUnchanged(adapterBefore, wideAdapter);
    }

    @Test
    void adapterDirectoryWithoutWeightsNamesTheMissingFile() throws Exception {
        Path broken = dir.resolve("broken-adapter");
        Files.createDirectories(broken);
        Files.copy(adapter.resolve("adapter_config.json"), broken.resolve("adapter_config.json"));
        Map<Path, byte[]> before = snapshot(broken);
        String message = fails(generate("--model", model.toString(), "--adapter", broken.toString()),
                "the adapter in " + broken + " does not fit the model in " + model);
        assertThat(message).contains("adapter_model.safetensors");
        assertUnchanged(before, broken);
    }

    @Test
    void evalWithATokenizerLargerThanTheModelsVocabularyNamesBoth() {
        List<String> specials = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            specials.add("<s" + i + ">");
        }
        Path big = write(dir.resolve("big/tokenizer.json"), TokenizerBuilder.characterLevel(TinyJob.CORPUS, 40, specials));
        String message = fails(cli("eval", "--model", model.toString(), "--data", data.toString(), "--tokenizer",
                big.toString()), "the tokenizer " + big + " has ");
        assertThat(message).contains("but the model in " + model + " has a vocabulary of")
                .contains("use the model's own tokenizer.json");
    }
}
