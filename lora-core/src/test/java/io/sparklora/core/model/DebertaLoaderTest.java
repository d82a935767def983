package io.sparklora.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.tensor.CheckpointTensors;
import io.sparklora.core.tensor.FloatTensor;
import io.sparklora.core.tensor.SafetensorsWriter;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DeBERTa-v2/v3 checkpoints as the hub holds them: config.json as v3 writes it, strict names and shapes, refusals. */
class DebertaLoaderTest {
    /** microsoft/deberta-v3-base's config.json, shrunk: what v3 checkpoints set, and nothing they leave to defaults. */
    private static final String V3_CONFIG = """
            {"model_type": "deberta-v2", "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "hidden_size": 16, "initializer_range": 0.02, "intermediate_size": 24,
             "max_position_embeddings": 64, "relative_attention": true, "position_buckets": 8,
             "norm_rel_ebd": "layer_norm", "share_att_key": true, "pos_att_type": "p2c|c2p", "layer_norm_eps": 1e-7,
             "max_relative_positions": -1, "position_biased_input": false, "num_attention_heads": 4,
             "num_hidden_layers": 2, "type_vocab_size": 0, "vocab_size": 29}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static LinkedHashMap<String, FloatTensor> tensors(Map<String, INDArray> weights) {
        LinkedHashMap<String, FloatTensor> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, new FloatTensor(v.shape(), Arrays2.toFloats(v))));
        return out;
    }

    private void write(String configJson, Map<String, FloatTensor> tensors) throws IOException {
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), configJson);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors, Map.of("format", "pt"));
    }

    private static FloatTensor zeros(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new FloatTensor(shape, new float[(int) n]);
    }

    @Test
    void loadsAV3PretrainingCheckpointIgnoringItsPretrainingHeads() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.debertaV3(List.of("a", "b"), ProblemType.SINGLE_LABEL), 1);
        LinkedHashMap<String, FloatTensor> t = tensors(source.weights());
        t.put("deberta.embeddings.position_ids", zeros(1, 64)); // a buffer
        t.put("deberta.embeddings.position_embeddings.weight", zeros(64, 16)); // unused without position_biased_input
        t.put("lm_predictions.lm_head.bias", zeros(TinyModels.VOCAB)); // the MLM head
        t.put("mask_predictions.dense.weight", zeros(16, 16)); // the replaced-token detector
        write(V3_CONFIG, t);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.hasHead()).isFalse();
        assertThat(loaded.fingerprint()).isEqualTo(source.fingerprint());
        assertThat(loaded.config().encoderConfig().deberta()).isEqualTo(source.config().encoderConfig().deberta());
        assertThat(loaded.config().normEps()).isEqualTo(1e-7);
        assertThat(loaded.config().encoderConfig().labels()).containsExactly("LABEL_0", "LABEL_1");
    }

    @Test
    void loadsABareModelWithoutPrefixAndAFineTunedHead() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.debertaV2(List.of("a", "b", "c"), ProblemType.SINGLE_LABEL), 2);
        DebertaLayout layout = (DebertaLayout) source.layout();
        LinkedHashMap<String, FloatTensor> t = new LinkedHashMap<>();
        tensors(source.weights()).forEach((k, v) -> t.put(k.substring("deberta.".length()), v)); // DebertaV2Model
        layout.initialHead(3).forEach((k, v) -> t.put(k, new FloatTensor(layout.headShapes().get(k), v)));
        ModelConfigJson.write(source.config(), dir);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), t, Map.of("format", "pt"));

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.config()).isEqualTo(source.config()); // config.json written and read back
        assertThat(loaded.hasHead()).isTrue();
        assertThat(Arrays2.toFloats(loaded.weight("pooler.dense.weight"))).containsExactly(layout.initialHead(3).get("pooler.dense.weight"));
    }

    @Test
    void namesAMissingMisShapedOrUnexpectedTensor() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.debertaV3(List.of("a", "b"), ProblemType.SINGLE_LABEL), 1);
        LinkedHashMap<String, FloatTensor> t = tensors(source.weights());
        t.remove("deberta.encoder.LayerNorm.bias");
        write(V3_CONFIG, t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor(s) [deberta.encoder.LayerNorm.bias]");

        t = tensors(source.weights());
        t.put("deberta.encoder.rel_embeddings.weight", zeros(512, 16));
        write(V3_CONFIG, t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor deberta.encoder.rel_embeddings.weight has shape [512, 16]")
                .hasMessageContaining("[16, 16]");

        t = tensors(source.weights());
        t.put("deberta.encoder.conv.conv.weight", zeros(16, 16, 3)); // v2's convolution, which config.json does not ask for
        write(V3_CONFIG, t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("deberta.encoder.conv.conv.weight");

        t = tensors(source.weights());
        t.put("pooler.dense.weight", zeros(16, 16));
        t.put("pooler.dense.bias", zeros(16));
        write(V3_CONFIG, t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("part of the classification head");
    }

    @Test
    void refusesWhatTheEngineDoesNotComputeByFieldName() throws IOException {
        Map<String, Object> refused = new LinkedHashMap<>();
        refused.put("conv_kernel_size", 3);
        refused.put("share_att_key", false);
        refused.put("relative_attention", false);
        refused.put("pos_att_type", "p2c|p2p");
        refused.put("embedding_size", 8);
        refused.put("hidden_act", "gelu_new");
        refused.put("norm_rel_ebd", "batch_norm");
        for (Map.Entry<String, Object> e : refused.entrySet()) {
            ObjectNode config = (ObjectNode) JSON.readTree(V3_CONFIG);
            config.set(e.getKey(), JSON.valueToTree(e.getValue()));
            Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), config.toPrettyString());
            assertThatThrownBy(() -> BaseModelLoader.check(dir)).as(e.getKey()).isInstanceOf(IOException.class)
                    .hasMessageContaining(e.getKey());
        }
    }

    @Test
    void readsTransformersDefaultsAndBothPosAttTypeForms() {
        ObjectNode minimal = JSON.createObjectNode();
        minimal.put("model_type", "deberta-v2").put("vocab_size", 29).put("hidden_size", 16).put("num_hidden_layers", 1)
                .put("num_attention_heads", 4).put("intermediate_size", 24).put("relative_attention", true)
                .put("share_att_key", true);
        minimal.putArray("pos_att_type").add("c2p");
        ModelConfig c = ModelConfigJson.parse(minimal, "config.json");
        DebertaSettings d = c.encoderConfig().deberta();
        assertThat(d).isEqualTo(new DebertaSettings(true, -1, 512, true, false, false, true)); // v2's defaults
        assertThat(c.maxPositions()).isEqualTo(512);
        assertThat(c.normEps()).isEqualTo(1e-7);
        assertThat(c.encoderConfig().typeVocabSize()).isZero();
        assertThat(c.encoderConfig().padTokenId()).isZero();

        minimal.put("pos_att_type", "P2C|c2p");
        assertThat(ModelConfigJson.parse(minimal, "config.json").encoderConfig().deberta().scaleFactor()).isEqualTo(3);
    }

    /** make_log_bucket_position at DeBERTa-v3's settings (256 buckets, 512 positions): exact within ±128, then logarithmic. */
    @Test
    void logBucketsAsTransformersComputesThem() {
        DebertaSettings v3 = new DebertaSettings(false, 256, 512, true, true, true, true);
        assertThat(v3.bucket(0)).isZero();
        assertThat(v3.bucket(128)).isEqualTo(128);
        assertThat(v3.bucket(-128)).isEqualTo(-128);
        // ceil(log(129/128) / log(511/128) · 127) + 128 = ceil(0.7126…) + 128
        assertThat(v3.bucket(129)).isEqualTo(129);
        // ceil(log(200/128) / log(511/128) · 127) + 128 = ceil(40.94…) + 128
        assertThat(v3.bucket(200)).isEqualTo(169).isEqualTo(-v3.bucket(-200));
        assertThat(v3.bucket(511)).isEqualTo(255); // the largest distance of a 512-token row lands on the last bucket
        assertThat(v3.c2pRow(511)).isEqualTo(511);
        assertThat(v3.c2pRow(-511)).isEqualTo(1);
        assertThat(v3.scoreScale(64)).isEqualTo((double) (float) Math.sqrt(192));
    }
}
