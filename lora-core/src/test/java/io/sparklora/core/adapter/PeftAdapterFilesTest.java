package io.sparklora.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeftAdapterFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesTheGoldenFilesByteForByte() throws Exception {
        BaseModel base = GoldenAdapter.base();
        LoraPlan plan = GoldenAdapter.plan(base);
        PeftAdapterFiles.Encoded encoded = PeftAdapterFiles.encode(GoldenAdapter.adapter(base, plan), plan, ModelFamily.LLAMA);

        assertThat(encoded.weights()).isEqualTo(resource(PeftFormat.WEIGHTS_FILE));
        assertThat(encoded.configJson()).isEqualTo(resource(PeftFormat.CONFIG_FILE));
    }

    @Test
    void readsTheGoldenAdapter() throws Exception {
        Path golden = dir.resolve("golden");
        Files.createDirectories(golden);
        Files.write(golden.resolve(PeftFormat.CONFIG_FILE), resource(PeftFormat.CONFIG_FILE));
        Files.write(golden.resolve(PeftFormat.WEIGHTS_FILE), resource(PeftFormat.WEIGHTS_FILE));
        BaseModel base = GoldenAdapter.base();

        PeftAdapterFiles.Loaded loaded = PeftAdapterFiles.read(golden, base.layout()).verifiedFor(base);

        LoraPlan expectedPlan = GoldenAdapter.plan(base);
        assertThat(loaded.adapter().theta()).isEqualTo(GoldenAdapter.adapter(base, expectedPlan).theta());
        assertThat(loaded.plan().layout().names()).isEqualTo(expectedPlan.layout().names());
        assertThat(loaded.adapter().config().r()).isEqualTo(2);
        assertThat(loaded.adapter().config().alpha()).isEqualTo(4.0);
        assertThat(loaded.adapter().baseFingerprint()).isEqualTo(base.fingerprint());
    }

    @Test
    void configAndKeysFollowPeft() throws Exception {
        BaseModel base = TinyModels.random(TinyModels.gpt2(), 3);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), plan.initialParameters(), "gpt2", base.fingerprint()),
                plan, ModelFamily.GPT2);

        JsonNode config = new ObjectMapper().readTree(dir.resolve(PeftFormat.CONFIG_FILE).toFile());
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("r").asInt()).isEqualTo(LoraConfig.DEFAULT_R);
        assertThat(config.get("lora_alpha").asInt()).isEqualTo((int) LoraConfig.DEFAULT_ALPHA);
        assertThat(config.get("bias").asText()).isEqualTo("none");
        assertThat(config.get("fan_in_fan_out").asBoolean()).isTrue(); // GPT-2's Conv1D
        assertThat(config.get("use_rslora").asBoolean()).isFalse();
        assertThat(config.get("target_modules").get(0).asText()).isEqualTo("c_attn");
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve(PeftFormat.WEIGHTS_FILE))) {
            assertThat(weights.names()).contains("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
                    "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
            assertThat(weights.info("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").shape())
                    .containsExactly(LoraConfig.DEFAULT_R, 32); // [r, in]
            assertThat(weights.info("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape())
                    .containsExactly(96, LoraConfig.DEFAULT_R); // [out = 3·hidden, r]
            assertThat(weights.metadata()).containsEntry(PeftFormat.FINGERPRINT_KEY, base.fingerprint());
        }
    }

    @Test
    void roundTripsEveryTargetForm() throws Exception {
        BaseModel base = TinyModels.random(TinyModels.llama(), 4);
        for (TargetModules targets : List.of(new TargetModules.AllLinear(), new TargetModules.Regex(".*\\.mlp\\..*"),
                new TargetModules.Names(List.of("o_proj")))) {
            LoraPlan plan = LoraPlan.of(new LoraConfig(3, 6.5, 0.1, targets, true, 2), base.layout());
            float[] theta = MergedCheckpointTest.randomTheta(plan, 9);
            Path out = dir.resolve(targets.getClass().getSimpleName());
            PeftAdapterFiles.write(out, new PeftAdapter(plan.config(), theta, "b", base.fingerprint()), plan, ModelFamily.LLAMA);

            PeftAdapterFiles.Loaded back = PeftAdapterFiles.read(out, base.layout());
            assertThat(back.adapter().theta()).isEqualTo(theta);
            assertThat(back.plan().config()).isEqualTo(new LoraConfig(3, 6.5, 0.1, targets, true, LoraConfig.DEFAULT_SEED)); // the init seed is not part of PEFT's file
        }
    }

    @Test
    void refusesAnAdapterForAnotherBase() throws Exception {
        BaseModel trainedOn = TinyModels.random(TinyModels.llama(), 5);
        BaseModel other = TinyModels.random(TinyModels.llama(), 6);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), trainedOn.layout());
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), plan.initialParameters(), "tiny-a", trainedOn.fingerprint()),
                plan, ModelFamily.LLAMA);

        assertThatThrownBy(() -> PeftAdapterFiles.read(dir, other.layout()).verifiedFor(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trained on a different base model")
                .hasMessageContaining("tiny-a");
    }

    @Test
    void refusesAnAdapterWhoseShapesDoNotFitTheBase() throws Exception {
        BaseModel small = TinyModels.random(TinyModels.llama(), 5);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), small.layout());
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), plan.initialParameters(), "", ""), plan, ModelFamily.LLAMA);
        var wider = new io.sparklora.core.model.ModelConfig(io.sparklora.core.model.ModelFamily.LLAMA, "llama",
                TinyModels.VOCAB, 32, 2, 4, 2, 8, 24, 32, 1e-6, 10000, false, false, false, false, 0);

        assertThatThrownBy(() -> PeftAdapterFiles.read(dir, io.sparklora.core.model.ModelLayout.of(wider)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has shape [8, 16]")
                .hasMessageContaining("different base or rank");
    }

    @Test
    void refusesMissingFilesAndNonLoraAdapters() throws Exception {
        BaseModel base = TinyModels.random(TinyModels.llama(), 5);
        assertThatThrownBy(() -> PeftAdapterFiles.read(dir, base.layout()))
                .isInstanceOf(IOException.class).hasMessageContaining("adapter_config.json not found");

        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), plan.initialParameters(), "", ""), plan, ModelFamily.LLAMA);
        Path config = dir.resolve(PeftFormat.CONFIG_FILE);
        Files.writeString(config, Files.readString(config).replace("\"LORA\"", "\"IA3\""));
        assertThatThrownBy(() -> PeftAdapterFiles.read(dir, base.layout()))
                .isInstanceOf(IOException.class).hasMessageContaining("only LORA adapters are supported");
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = PeftAdapterFilesTest.class.getClassLoader()
                .getResourceAsStream(GoldenAdapter.RESOURCE_DIR + "/" + file)) {
            assertThat(in).as("golden resource " + file).isNotNull();
            return in.readAllBytes();
        }
    }
}
