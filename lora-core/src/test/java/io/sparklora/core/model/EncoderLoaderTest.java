package io.sparklora.core.model;

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

/** BERT and RoBERTa checkpoints as the hub holds them: strict names and shapes, an optional head, clear errors. */
class EncoderLoaderTest {
    @TempDir
    Path dir;

    private static LinkedHashMap<String, FloatTensor> tensors(Map<String, INDArray> weights) {
        LinkedHashMap<String, FloatTensor> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, new FloatTensor(v.shape(), Arrays2.toFloats(v))));
        return out;
    }

    private void write(ModelConfig config, Map<String, FloatTensor> tensors) throws IOException {
        ModelConfigJson.write(config, dir);
        SafetensorsWriter.write(dir.resolve(CheckpointTensors.SINGLE_FILE), tensors, Map.of("format", "pt"));
    }

    @Test
    void loadsAPretrainingBertCheckpointWithoutPrefixOrHead() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.bert(), 1);
        LinkedHashMap<String, FloatTensor> t = new LinkedHashMap<>();
        tensors(source.weights()).forEach((k, v) -> t.put(k.replace("LayerNorm.weight", "LayerNorm.gamma")
                .replace("LayerNorm.bias", "LayerNorm.beta").substring("bert.".length()), v)); // BertModel, TF names
        t.put("embeddings.position_ids", new FloatTensor(new long[] {1, 16}, new float[16])); // a buffer
        t.put("cls.predictions.bias", new FloatTensor(new long[] {TinyModels.VOCAB}, new float[TinyModels.VOCAB]));
        write(source.config(), t);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.hasHead()).isFalse();
        assertThat(loaded.fingerprint()).isEqualTo(source.fingerprint());
        assertThat(loaded.config()).isEqualTo(source.config());
        assertThat(loaded.config().encoderConfig().labels()).containsExactly("a", "b", "c");
    }

    @Test
    void loadsAFineTunedRobertaWithItsHeadAndIgnoresItsLmHead() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.roberta(), 2);
        EncoderLayout layout = (EncoderLayout) source.layout();
        Map<String, INDArray> weights = new LinkedHashMap<>(source.weights());
        layout.initialHead(3).forEach((k, v) -> weights.put(k, Arrays2.fromFloats(v, layout.headShapes().get(k))));
        LinkedHashMap<String, FloatTensor> t = tensors(weights);
        t.put("lm_head.bias", new FloatTensor(new long[] {TinyModels.VOCAB}, new float[TinyModels.VOCAB]));
        write(source.config(), t);

        BaseModel loaded = BaseModelLoader.load(dir);

        assertThat(loaded.hasHead()).isTrue();
        assertThat(Arrays2.toFloats(loaded.weight("classifier.out_proj.weight")))
                .containsExactly(layout.initialHead(3).get("classifier.out_proj.weight"));
    }

    @Test
    void loadsAShardedCheckpoint() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.bert(), 5);
        LinkedHashMap<String, FloatTensor> first = new LinkedHashMap<>();
        LinkedHashMap<String, FloatTensor> second = new LinkedHashMap<>();
        ObjectNode index = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        tensors(source.weights()).forEach((k, v) -> {
            boolean early = k.contains("embeddings") || k.contains("layer.0.");
            (early ? first : second).put(k, v);
            map.put(k, early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        });
        ModelConfigJson.write(source.config(), dir);
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toPrettyString());

        assertThat(BaseModelLoader.load(dir).fingerprint()).isEqualTo(source.fingerprint());
    }

    @Test
    void aTaskWithOtherLabelsGetsANewHeadOnTheSameBase() {
        BaseModel source = TinyModels.random(TinyModels.roberta(), 2);
        EncoderLayout layout = (EncoderLayout) source.layout();
        Map<String, INDArray> weights = new LinkedHashMap<>(source.weights());
        layout.initialHead(3).forEach((k, v) -> weights.put(k, Arrays2.fromFloats(v, layout.headShapes().get(k))));
        BaseModel fineTuned = BaseModel.of(source.config(), weights);

        assertThat(fineTuned.withTask(List.of("a", "b", "c"), ProblemType.SINGLE_LABEL)).isSameAs(fineTuned);
        BaseModel sts = fineTuned.withTask(List.of("similarity"), ProblemType.REGRESSION);
        assertThat(sts.hasHead()).isFalse();
        assertThat(sts.config().encoderConfig().numLabels()).isEqualTo(1);
        assertThat(sts.fingerprint()).isEqualTo(fineTuned.fingerprint()).isEqualTo(source.fingerprint());
    }

    @Test
    void namesAMissingOrMisShapedTensor() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.bert(), 1);
        LinkedHashMap<String, FloatTensor> t = tensors(source.weights());
        t.remove("bert.encoder.layer.1.attention.self.key.bias");
        write(source.config(), t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor(s) [bert.encoder.layer.1.attention.self.key.bias]");

        t = tensors(source.weights());
        t.put("bert.embeddings.token_type_embeddings.weight", new FloatTensor(new long[] {3, 16}, new float[48]));
        write(source.config(), t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor bert.embeddings.token_type_embeddings.weight has shape [3, 16]")
                .hasMessageContaining("[2, 16]");
    }

    @Test
    void refusesAHeadForOtherLabelsOrHalfAHead() throws IOException {
        BaseModel source = TinyModels.random(TinyModels.bert(), 1);
        LinkedHashMap<String, FloatTensor> t = tensors(source.weights());
        t.put("classifier.weight", new FloatTensor(new long[] {2, 16}, new float[32]));
        t.put("classifier.bias", new FloatTensor(new long[] {2}, new float[2]));
        write(source.config(), t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor classifier.weight has shape [2, 16]").hasMessageContaining("num_labels 3");

        t.remove("classifier.bias");
        write(source.config(), t);
        assertThatThrownBy(() -> BaseModelLoader.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("part of the classification head");
    }

    @Test
    void refusesAnUnknownModelTypeAndAnInexactActivation() throws IOException {
        ObjectNode config = ModelConfigJson.toJson(TinyModels.bert());
        config.put("model_type", "electra");
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), config.toPrettyString());
        assertThatThrownBy(() -> BaseModelLoader.check(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("model_type \"electra\" is not supported; supported: gpt2, llama, mistral, qwen2, bert, roberta, xlm-roberta, deberta-v2");

        config = ModelConfigJson.toJson(TinyModels.bert());
        config.put("hidden_act", "gelu_new");
        Files.writeString(dir.resolve(ModelConfigJson.FILE_NAME), config.toPrettyString());
        assertThatThrownBy(() -> BaseModelLoader.check(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("hidden_act \"gelu_new\" is not supported for bert");
    }

    @Test
    void readsLabelsAndProblemTypeFromConfigJson() {
        ObjectNode config = ModelConfigJson.toJson(TinyModels.roberta());
        config.remove("problem_type");
        config.putObject("id2label").put("1", "entailment").put("0", "contradiction");
        ModelConfig parsed = ModelConfigJson.parse(config, "config.json");
        assertThat(parsed.encoderConfig().labels()).containsExactly("contradiction", "entailment");
        assertThat(parsed.encoderConfig().problemType()).isEqualTo(ProblemType.SINGLE_LABEL);
        assertThat(parsed.encoderConfig().padTokenId()).isEqualTo(1);

        config.putObject("id2label").put("0", "similarity");
        assertThat(ModelConfigJson.parse(config, "config.json").encoderConfig().problemType()).isEqualTo(ProblemType.REGRESSION);

        config.put("model_type", "xlm-roberta");
        assertThat(ModelConfigJson.parse(config, "config.json").family()).isEqualTo(ModelFamily.ROBERTA);
        assertThat(ModelConfigJson.toJson(ModelConfigJson.parse(config, "config.json")).get("architectures").get(0).asText())
                .isEqualTo("XLMRobertaForSequenceClassification");

        config.putObject("id2label").put("0", "x").put("2", "y");
        assertThatThrownBy(() -> ModelConfigJson.parse(config, "config.json"))
                .hasMessageContaining("id2label must map the ids 0 … 1 once each");
    }
}
