package io.sparklora.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LLaMA-family config.json fields beyond the basics: rope_scaling, head_dim, attention_bias and mlp_bias. */
class LlamaConfigFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** meta-llama/Llama-3.1-8B's config.json as published. */
    static final String LLAMA_3_1_8B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.43.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }
            """;

    /** mistralai/Mistral-Nemo-Base-2407's config.json: head_dim 128, not hidden 5120 / 32 heads = 160. */
    static final String MISTRAL_NEMO = """
            {
              "architectures": ["MistralForCausalLM"],
              "attention_dropout": 0.0,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "head_dim": 128,
              "hidden_act": "silu",
              "hidden_size": 5120,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 1024000,
              "model_type": "mistral",
              "num_attention_heads": 32,
              "num_hidden_layers": 40,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_theta": 1000000.0,
              "sliding_window": null,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.43.0.dev0",
              "use_cache": true,
              "vocab_size": 131072
            }
            """;

    private static ModelConfig parse(String json) throws IOException {
        return ModelConfigJson.parse(JSON.readTree(json), "config.json");
    }

    private static ObjectNode tiny() {
        return ModelConfigJson.toJson(TinyModels.llama());
    }

    private static ModelConfig withRopeScaling(String ropeScaling) throws IOException {
        ObjectNode json = tiny();
        json.set("rope_scaling", JSON.readTree(ropeScaling));
        return ModelConfigJson.parse(json, "config.json");
    }

    @Test
    void readsLlama31RopeScaling() throws IOException {
        ModelConfig c = parse(LLAMA_3_1_8B);
        assertThat(c.ropeScaling()).isEqualTo(RopeScaling.llama3(8, 1, 4, 8192));
        assertThat(c.ropeTheta()).isEqualTo(500_000.0);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.maxPositions()).isEqualTo(131072);
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
    }

    @Test
    void llama3FrequenciesKeepTheHighDivideTheLowAndInterpolateBetween() throws IOException {
        ModelConfig c = parse(LLAMA_3_1_8B);
        float[] plain = RopeScaling.NONE.inverseFrequencies(c.headDim(), c.ropeTheta());
        float[] scaled = c.ropeScaling().inverseFrequencies(c.headDim(), c.ropeTheta());
        int kept = 0;
        int divided = 0;
        int between = 0;
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 8192 / 4.0) { // shorter than original / high_freq_factor
                assertThat(scaled[i]).as("i=%d", i).isEqualTo(plain[i]);
                kept++;
            } else if (wavelen > 8192 / 1.0) { // longer than original / low_freq_factor
                assertThat(scaled[i]).as("i=%d", i).isEqualTo(plain[i] / 8f);
                divided++;
            } else {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                assertThat((double) scaled[i]).as("i=%d", i)
                        .isCloseTo((1 - smooth) * plain[i] / 8 + smooth * plain[i], org.assertj.core.data.Offset.offset(1e-6 * plain[i]));
                between++;
            }
        }
        assertThat(new int[] {kept, divided, between}).containsExactly(29, 29, 6); // of Llama 3.1's 64 frequencies
    }

    @Test
    void linearDividesEveryFrequencyAndReadsTheOlderTypeKey() throws IOException {
        ModelConfig c = withRopeScaling("{\"type\": \"linear\", \"factor\": 4.0}");
        assertThat(c.ropeScaling()).isEqualTo(RopeScaling.linear(4));
        float[] plain = RopeScaling.NONE.inverseFrequencies(8, 10000);
        float[] scaled = c.ropeScaling().inverseFrequencies(8, 10000);
        for (int i = 0; i < plain.length; i++) {
            assertThat(scaled[i]).isEqualTo(plain[i] / 4f);
        }
        assertThat(withRopeScaling("{\"rope_type\": \"default\"}").ropeScaling()).isEqualTo(RopeScaling.NONE);
    }

    @Test
    void refusesRopeTypesItDoesNotComputeByName() {
        for (String type : new String[] {"dynamic", "yarn", "longrope"}) {
            assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"" + type + "\", \"factor\": 2.0}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("config.json: rope_scaling type \"" + type + "\" is not supported")
                    .hasMessageContaining("linear and llama3");
        }
    }

    @Test
    void refusesIncompleteOrInconsistentRopeScalingNamingTheField() {
        assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"llama3\", \"factor\": 8.0, \"high_freq_factor\": 4.0}"))
                .hasMessageContaining("rope_scaling.low_freq_factor must be a number but is missing");
        assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"linear\"}"))
                .hasMessageContaining("rope_scaling.factor must be a number but is missing");
        assertThatThrownBy(() -> withRopeScaling("{\"factor\": 2.0}"))
                .hasMessageContaining("rope_scaling.rope_type must be a string but is missing");
        assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"linear\", \"type\": \"dynamic\", \"factor\": 2.0}"))
                .hasMessageContaining("they must agree");
        assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"linear\", \"factor\": 0.5}"))
                .hasMessageContaining("config.json: rope_scaling.factor must be >= 1, got 0.5");
        assertThatThrownBy(() -> withRopeScaling("{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, "
                + "\"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192}"))
                .hasMessageContaining("high_freq_factor (1.0) must be greater than low_freq_factor (4.0)");
        assertThatThrownBy(() -> withRopeScaling("[8]")).hasMessageContaining("rope_scaling must be an object or null");
    }

    @Test
    void llama3WithoutOriginalContextTakesMaxPositionsAsTransformersDoes() throws IOException {
        ModelConfig c = withRopeScaling("{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
                + "\"high_freq_factor\": 4.0}");
        assertThat(c.ropeScaling().originalMaxPositions()).isEqualTo(TinyModels.llama().maxPositions());
    }

    @Test
    void readsTransformers5RopeParametersWithThetaInside() throws IOException {
        ObjectNode json = tiny();
        json.remove("rope_theta");
        json.set("rope_parameters", JSON.readTree("{\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, \"factor\": 32.0, "
                + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}"));
        ModelConfig c = ModelConfigJson.parse(json, "config.json");
        assertThat(c.ropeTheta()).isEqualTo(500_000.0);
        assertThat(c.ropeScaling()).isEqualTo(RopeScaling.llama3(32, 1, 4, 8192));
    }

    @Test
    void writtenConfigKeepsTheScalingSoMergedCheckpointsLoadTheSame() {
        for (RopeScaling s : new RopeScaling[] {RopeScaling.llama3(8, 1, 4, 8192), RopeScaling.linear(2), RopeScaling.NONE}) {
            ModelConfig c = TinyModels.llamaWideHeadsWithBiases().withRopeScaling(s);
            assertThat(ModelConfigJson.parse(ModelConfigJson.toJson(c), "written")).isEqualTo(c);
        }
    }

    @Test
    void headDimFromConfigShapesTheProjections() throws IOException {
        ModelConfig c = parse(MISTRAL_NEMO);
        assertThat(c.headDim()).isEqualTo(128);
        Map<String, long[]> shapes = ModelLayout.of(c).parameterShapes();
        String a = "model.layers.0.self_attn.";
        assertThat(shapes.get(a + "q_proj.weight")).containsExactly(32 * 128, 5120);
        assertThat(shapes.get(a + "k_proj.weight")).containsExactly(8 * 128, 5120);
        assertThat(shapes.get(a + "o_proj.weight")).containsExactly(5120, 32 * 128);
    }

    @Test
    void withoutHeadDimTheHiddenSizeMustDivideIntoHeads() {
        ObjectNode json = tiny();
        json.remove("head_dim");
        json.put("hidden_size", 18);
        assertThatThrownBy(() -> ModelConfigJson.parse(json, "config.json"))
                .hasMessageContaining("hidden_size (18) is not divisible by num_attention_heads (4) and there is no head_dim");
    }

    @Test
    void loadsAHeadDimAndBiasCheckpointStrictlyAndRefusesItWithoutHeadDim(@TempDir Path dir) throws IOException {
        ModelConfig config = TinyModels.llamaWideHeadsWithBiases().withRopeScaling(RopeScaling.llama3(8, 1, 4, 16));
        BaseModel source = TinyModels.random(config, 61);
        TinyModels.write(source, dir);
        BaseModel loaded = BaseModelLoader.load(dir);
        assertThat(loaded.config()).isEqualTo(config);
        assertThat(loaded.fingerprint()).isEqualTo(source.fingerprint());

        ObjectNode json = (ObjectNode) JSON.readTree(dir.resolve(ModelConfigJson.FILE_NAME).toFile());
        json.remove("head_dim"); // now hidden 16 / 4 heads = 4: q_proj [16, 16], but the weights are [32, 16]
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), json.toPrettyString());
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor model.layers.0.self_attn.q_proj.weight has shape [32, 16] but config.json implies [16, 16]");
    }

    @Test
    void refusesPartialRotaryEmbeddings() {
        ObjectNode json = tiny();
        json.put("partial_rotary_factor", 0.5);
        assertThatThrownBy(() -> ModelConfigJson.parse(json, "config.json"))
                .hasMessageContaining("config.json: partial_rotary_factor 0.5 is not supported");
    }

    @Test
    void attentionAndMlpBiasAddABiasToEachProjection() {
        ObjectNode json = tiny();
        json.put("attention_bias", true);
        json.put("mlp_bias", true);
        ModelConfig c = ModelConfigJson.parse(json, "config.json");
        Map<String, long[]> shapes = ModelLayout.of(c).parameterShapes();
        for (String m : new String[] {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
            assertThat(shapes).containsKey("model.layers.1." + m + ".bias");
        }
        assertThat(shapes.get("model.layers.0.self_attn.q_proj.bias")).containsExactly(c.qDim());
        assertThat(shapes.get("model.layers.0.mlp.down_proj.bias")).containsExactly(c.hiddenSize());
    }
}
