package io.sparklora.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.tensor.CheckpointTensors;
import io.sparklora.core.tensor.FloatTensor;
import io.sparklora.core.tensor.SafetensorsWriter;
import io.sparklora.core.testing.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Loads checkpoint variants as they occur on the Hugging Face hub, written here from tiny random models. */
class BaseModelLoaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- helpers

    /** The model's weights as safetensors entries, keyed by canonical name. */
    private static LinkedHashMap<String, FloatTensor> tensors(BaseModel model) {
        LinkedHashMap<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.weights().entrySet()) {
            out.put(e.getKey(), new FloatTensor(e.getValue().shape(), Arrays2.toFloats(e.getValue())));
        }
        return out;
    }

    private void writeCheckpoint(ModelConfig config, Map<String, FloatTensor> tensors) throws IOException {
        ModelConfigJson.write(config, dir);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors, Map.of("format", "pt"));
    }

    private static void assertSameWeights(BaseModel loaded, BaseModel source) {
        assertThat(loaded.weights().keySet()).containsExactlyElementsOf(source.weights().keySet());
        for (String name : source.weights().keySet()) {
            assertThat(loaded.weight(name).shape()).as(name).containsExactly(source.weight(name).shape());
            assertThat(Arrays2.toFloats(loaded.weight(name))).as(name)
                    .containsExactly(Arrays2.toFloats(source.weight(name)));
        }
        assertThat(loaded.fingerprint()).isEqualTo(source.fingerprint());
    }

    private ObjectNode configJson(ModelConfig config) {
        return ModelConfigJson.toJson(config);
    }

    private void writeConfig(ObjectNode config) throws IOException {
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), config.toPrettyString());
    }

    private void writeConfigText(String text) throws IOException {
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), text);
    }

    // ---------------------------------------------------------------- GPT-2 variants

    @Test
    void loadsOpenAiGpt2NamesWithoutPrefixAndWithCausalMaskBuffers() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 1);
        LinkedHashMap<String, FloatTensor> renamed = new LinkedHashMap<>();
        tensors(source).forEach((name, t) -> {
            assertThat(name).startsWith("transformer.");
            renamed.put(name.substring("transformer.".length()), t);
        });
        for (int i = 0; i < source.config().numLayers(); i++) {
            int n = source.config().maxPositions();
            renamed.put("h." + i + ".attn.bias", new FloatTensor(new long[] {1, 1, n, n}, new float[n * n]));
            renamed.put("h." + i + ".attn.masked_bias", FloatTensor.of(new float[] {-1e4f}));
        }
        assertThat(renamed).containsKey("h.0.attn.c_attn.weight").containsKey("wte.weight")
                .doesNotContainKey("lm_head.weight");
        writeCheckpoint(source.config(), renamed);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.weights()).containsKey("transformer.h.0.attn.c_attn.weight")
                .containsKey("transformer.wte.weight").doesNotContainKey("h.0.attn.bias")
                .doesNotContainKey("transformer.h.0.attn.bias");
        assertThat(loaded.weights().keySet()).allMatch(n -> n.startsWith("transformer."));
        assertSameWeights(loaded, source);
        assertThat(loaded.layout().outputHeadName()).isEqualTo("transformer.wte.weight");
    }

    @Test
    void loadsPrefixedGpt2WithRedundantTiedLmHead() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 2);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        t.put("lm_head.weight", t.get("transformer.wte.weight"));
        writeCheckpoint(source.config(), t);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.weights()).doesNotContainKey("lm_head.weight");
        assertSameWeights(loaded, source);
    }

    @Test
    void roundTripsThroughBaseModelWriter() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.llama(), 3);
        TinyModels.write(source, dir);
        BaseModel loaded = BaseModelLoader.load(dir);
        assertThat(loaded.config()).isEqualTo(source.config());
        assertSameWeights(loaded, source);
    }

    @Test
    void rejectsGpt2TensorPresentBothWithAndWithoutPrefix() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 4);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        t.put("ln_f.weight", t.get("transformer.ln_f.weight"));
        writeCheckpoint(source.config(), t);

        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("transformer.ln_f.weight appears twice");
    }

    // ---------------------------------------------------------------- LLaMA variants

    @Test
    void loadsLlamaWithRotaryInvFreqBuffers() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.llama(), 5);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        int half = source.config().headDim() / 2;
        for (int i = 0; i < source.config().numLayers(); i++) {
            t.put("model.layers." + i + ".self_attn.rotary_emb.inv_freq", new FloatTensor(new long[] {half}, new float[half]));
        }
        writeCheckpoint(source.config(), t);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.weights()).doesNotContainKey("model.layers.0.self_attn.rotary_emb.inv_freq");
        assertSameWeights(loaded, source);
        assertThat(loaded.weights()).containsKey("lm_head.weight");
    }

    @Test
    void loadsTiedLlamaWithoutLmHead() throws IOException {
        ObjectNode json = configJson(TinyModels.llama());
        json.put("tie_word_embeddings", true);
        ModelConfig tied = ModelConfigJson.parse(json, "test");
        assertThat(tied.tieWordEmbeddings()).isTrue();
        BaseModel source = TinyModels.random(tied, 6);
        assertThat(source.weights()).doesNotContainKey("lm_head.weight");
        writeCheckpoint(tied, tensors(source));

        BaseModel loaded = BaseModelLoader.load(dir);

        assertSameWeights(loaded, source);
        assertThat(loaded.layout().outputHeadName()).isEqualTo("model.embed_tokens.weight");
    }

    @Test
    void untiedLlamaWithoutLmHeadIsMissingIt() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.llama(), 7);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        t.remove("lm_head.weight");
        writeCheckpoint(source.config(), t);

        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor(s) [lm_head.weight]");
    }

    @Test
    void loadsShardedCheckpoint() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.llama(), 8);
        ModelConfigJson.write(source.config(), dir);
        LinkedHashMap<String, FloatTensor> all = tensors(source);
        Map<String, FloatTensor> first = new LinkedHashMap<>();
        Map<String, FloatTensor> second = new LinkedHashMap<>();
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata");
        ObjectNode weightMap = index.putObject("weight_map");
        String shard1 = "model-00001-of-00002.safetensors";
        String shard2 = "model-00002-of-00002.safetensors";
        for (Map.Entry<String, FloatTensor> e : all.entrySet()) {
            boolean inFirst = e.getKey().startsWith("model.embed_tokens") || e.getKey().startsWith("model.layers.0.");
            (inFirst ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), inFirst ? shard1 : shard2);
        }
        assertThat(first).isNotEmpty();
        assertThat(second).isNotEmpty();
        SafetensorsWriter.write(dir.resolve(shard1), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve(shard2), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve(CheckpointTensors.INDEX_FILE), index.toString());
        assertThat(dir.resolve(CheckpointTensors.SINGLE_FILE)).doesNotExist();

        BaseModel loaded = BaseModelLoader.load(dir);

        assertSameWeights(loaded, source);
    }

    // ---------------------------------------------------------------- config.json parsing

    private static final String MISTRAL_7B = """
            {
              "architectures": ["MistralForCausalLM"],
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 32768,
              "model_type": "mistral",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_theta": 10000.0,
              "sliding_window": 4096,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.34.0.dev0",
              "use_cache": true,
              "vocab_size": 32000
            }
            """;

    private static final String QWEN2_0_5B = """
            {
              "architectures": ["Qwen2ForCausalLM"],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151643,
              "hidden_act": "silu",
              "hidden_size": 896,
              "initializer_range": 0.02,
              "intermediate_size": 4864,
              "max_position_embeddings": 131072,
              "max_window_layers": 24,
              "model_type": "qwen2",
              "num_attention_heads": 14,
              "num_hidden_layers": 24,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 131072,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.40.1",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 151936
            }
            """;

    private static final String GPT2_SMALL = """
            {
              "activation_function": "gelu_new",
              "architectures": ["GPT2LMHeadModel"],
              "attn_pdrop": 0.1,
              "bos_token_id": 50256,
              "embd_pdrop": 0.1,
              "eos_token_id": 50256,
              "initializer_range": 0.02,
              "layer_norm_epsilon": 1e-05,
              "model_type": "gpt2",
              "n_ctx": 1024,
              "n_embd": 768,
              "n_head": 12,
              "n_inner": null,
              "n_layer": 12,
              "n_positions": 1024,
              "resid_pdrop": 0.1,
              "vocab_size": 50257
            }
            """;

    @Test
    void parsesMistralConfig() throws IOException {
        writeConfigText(MISTRAL_7B);
        ModelConfig c = ModelConfigJson.read(dir);
        assertThat(c.family()).isEqualTo(ModelFamily.LLAMA);
        assertThat(c.modelType()).isEqualTo("mistral");
        assertThat(c.slidingWindow()).isEqualTo(4096);
        assertThat(c.hiddenSize()).isEqualTo(4096);
        assertThat(c.numLayers()).isEqualTo(32);
        assertThat(c.numHeads()).isEqualTo(32);
        assertThat(c.numKvHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.kvDim()).isEqualTo(1024);
        assertThat(c.intermediateSize()).isEqualTo(14336);
        assertThat(c.vocabSize()).isEqualTo(32000);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
    }

    @Test
    void parsesQwen2ConfigWithQkvBiasAndNoSlidingWindow() throws IOException {
        writeConfigText(QWEN2_0_5B);
        ModelConfig c = ModelConfigJson.read(dir);
        assertThat(c.family()).isEqualTo(ModelFamily.LLAMA);
        assertThat(c.modelType()).isEqualTo("qwen2");
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.outputProjBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
        assertThat(c.slidingWindow()).isZero(); // use_sliding_window: false
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
        assertThat(c.tieWordEmbeddings()).isTrue();
    }

    @Test
    void parsesGpt2ConfigWithNullInnerAs4TimesEmbedding() throws IOException {
        writeConfigText(GPT2_SMALL);
        ModelConfig c = ModelConfigJson.read(dir);
        assertThat(c.family()).isEqualTo(ModelFamily.GPT2);
        assertThat(c.intermediateSize()).isEqualTo(4 * 768);
        assertThat(c.hiddenSize()).isEqualTo(768);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.maxPositions()).isEqualTo(1024);
        assertThat(c.tieWordEmbeddings()).isTrue();
    }

    @Test
    void qwen2CheckpointMustCarryQkvBiases() throws IOException {
        ObjectNode json = configJson(TinyModels.llama());
        json.put("model_type", "qwen2");
        json.remove("attention_bias");
        ModelConfig qwen = ModelConfigJson.parse(json, "test");
        assertThat(qwen.qkvBias()).isTrue();
        assertThat(ModelLayout.of(qwen).parameterShapes()).containsKeys("model.layers.0.self_attn.q_proj.bias",
                "model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.v_proj.bias");
        assertThat(ModelLayout.of(qwen).parameterShapes()).doesNotContainKey("model.layers.0.self_attn.o_proj.bias");

        // Weights of a plain LLaMA (no biases) under a qwen2 config: the loader demands the biases.
        BaseModel llama = TinyModels.random(TinyModels.llama(), 9);
        writeConfig(json);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors(llama), Map.of());
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor(s)")
                .hasMessageContaining("model.layers.0.self_attn.q_proj.bias");

        // With the biases present it loads.
        BaseModel qwenModel = TinyModels.random(qwen, 9);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors(qwenModel), Map.of());
        BaseModel loaded = BaseModelLoader.load(dir);
        assertSameWeights(loaded, qwenModel);
    }

    // ---------------------------------------------------------------- rejections

    @Test
    void rejectsMissingTensorNamingIt() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 10);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        t.remove("transformer.h.1.mlp.c_fc.bias");
        writeCheckpoint(source.config(), t);

        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor(s) [transformer.h.1.mlp.c_fc.bias]");
    }

    @Test
    void rejectsWrongShapeNamingTensorAndBothShapes() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 11);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        // Conv1D stores [in, out] = [32, 96]; the transpose (what nn.Linear would store) is wrong.
        t.put("transformer.h.0.attn.c_attn.weight", new FloatTensor(new long[] {96, 32}, new float[96 * 32]));
        writeCheckpoint(source.config(), t);

        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("transformer.h.0.attn.c_attn.weight")
                .hasMessageContaining("has shape [96, 32]")
                .hasMessageContaining("implies [32, 96]");
    }

    @Test
    void checkValidatesLikeLoadWithoutReadingTheWeights() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 12);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        writeCheckpoint(source.config(), t);
        assertThat(BaseModelLoader.check(dir)).isEqualTo(source.config());

        t.put("transformer.h.0.attn.c_attn.weight", new FloatTensor(new long[] {96, 32}, new float[96 * 32]));
        writeCheckpoint(source.config(), t);
        assertThatThrownBy(() -> BaseModelLoader.check(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("transformer.h.0.attn.c_attn.weight").hasMessageContaining("has shape [96, 32]");
    }

    @Test
    void rejectsUnexpectedExtraTensor() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.llama(), 12);
        LinkedHashMap<String, FloatTensor> t = tensors(source);
        // A third layer the 2-layer config does not describe.
        t.put("model.layers.2.input_layernorm.weight", new FloatTensor(new long[] {16}, new float[16]));
        writeCheckpoint(source.config(), t);

        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("unexpected tensor(s) [model.layers.2.input_layernorm.weight]")
                .hasMessageContaining("check that config.json matches the weights");
    }

    @Test
    void rejectsUnknownModelType() throws IOException {
        writeConfigText("""
                {"model_type": "electra", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
                 "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 512}
                """);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("model_type \"electra\" is not supported")
                .hasMessageContaining("gpt2, llama, mistral, qwen2");
    }

    @Test
    void rejectsMissingConfigJson() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.gpt2(), 13);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors(source), Map.of());
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("config.json not found");
    }

    @Test
    void rejectsConfigJsonThatIsNotJson() throws IOException {
        writeConfigText("model_type = gpt2\n");
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("config.json is not valid JSON");
    }

    @Test
    void rejectsConfigJsonThatIsNotAnObject() throws IOException {
        writeConfigText("[1, 2, 3]");
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("expected a JSON object");
    }

    @Test
    void rejectsMissingRequiredFieldNamingIt() throws IOException {
        ObjectNode gpt2 = configJson(TinyModels.gpt2());
        gpt2.remove("n_embd");
        writeConfig(gpt2);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("field \"n_embd\" must be an integer but is missing");

        ObjectNode llama = configJson(TinyModels.llama());
        llama.remove("num_hidden_layers");
        writeConfig(llama);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("field \"num_hidden_layers\" must be an integer but is missing");

        ObjectNode noType = configJson(TinyModels.llama());
        noType.remove("model_type");
        writeConfig(noType);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("field \"model_type\" must be a string but is missing");
    }

    @Test
    void rejectsRopeScalingTypesItDoesNotComputeNamingThem() throws IOException {
        ObjectNode llama = configJson(TinyModels.llama());
        llama.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        writeConfig(llama);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("rope_scaling type \"dynamic\" is not supported");
    }

    @Test
    void acceptsNullRopeScalingAsLlama2ConfigsHaveIt() throws IOException {
        ObjectNode llama = configJson(TinyModels.llama());
        llama.putNull("rope_scaling");
        writeConfig(llama);
        assertThat(ModelConfigJson.read(dir)).isEqualTo(TinyModels.llama());
    }

    @Test
    void rejectsHeadsNotMultipleOfKeyValueHeads() throws IOException {
        ObjectNode llama = configJson(TinyModels.llama());
        llama.put("num_attention_heads", 4);
        llama.put("num_key_value_heads", 3);
        writeConfig(llama);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
    }

    // ---------------------------------------------------------------- fingerprint

    @Test
    void fingerprintDependsOnTheWeights() throws IOException {
        BaseModel a = TinyModels.random(TinyModels.gpt2(), 20);
        BaseModel sameWeights = TinyModels.random(TinyModels.gpt2(), 20);
        assertThat(a.fingerprint()).startsWith("sha256:").isEqualTo(sameWeights.fingerprint());

        Map<String, INDArray> changed = new LinkedHashMap<>(a.weights());
        String name = "transformer.h.1.mlp.c_proj.weight";
        INDArray w = changed.get(name).dup();
        w.putScalar(new long[] {3, 5}, w.getFloat(3, 5) + 1e-3f);
        changed.put(name, w);
        BaseModel b = BaseModel.of(a.config(), changed);
        assertThat(b.fingerprint()).isNotEqualTo(a.fingerprint());

        // A loaded copy keeps the fingerprint; a loaded changed copy does not.
        TinyModels.write(a, dir.resolve("a"));
        TinyModels.write(b, dir.resolve("b"));
        assertThat(BaseModelLoader.load(dir.resolve("a")).fingerprint()).isEqualTo(a.fingerprint());
        assertThat(BaseModelLoader.load(dir.resolve("b")).fingerprint()).isEqualTo(b.fingerprint())
                .isNotEqualTo(a.fingerprint());
    }

    @Test
    void fingerprintDiffersAcrossSeedsAndConfigs() {
        List<String> prints = List.of(
                TinyModels.random(TinyModels.gpt2(), 1).fingerprint(),
                TinyModels.random(TinyModels.gpt2(), 2).fingerprint(),
                TinyModels.random(TinyModels.llama(), 1).fingerprint());
        assertThat(prints).doesNotHaveDuplicates();
    }
}
