package io.sparklora.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PEFT's SEQ_CLS adapter files (the LoRA pairs and the head as modules_to_save) and merging an encoder. */
class SeqClsAdapterTest {
    private static final int SEQ = 6;
    @TempDir
    Path dir;

    @Test
    void writesTheGoldenFilesByteForByte() throws Exception {
        BaseModel base = GoldenSeqClsAdapter.base();
        LoraPlan plan = GoldenSeqClsAdapter.plan(base);
        PeftAdapterFiles.Encoded encoded = PeftAdapterFiles.encode(GoldenSeqClsAdapter.adapter(base, plan), plan,
                ModelFamily.ROBERTA);
        assertThat(encoded.weights()).isEqualTo(resource(PeftFormat.WEIGHTS_FILE));
        assertThat(encoded.configJson()).isEqualTo(resource(PeftFormat.CONFIG_FILE));
    }

    @Test
    void readsTheGoldenAdapterWithItsHead() throws Exception {
        Files.write(dir.resolve(PeftFormat.CONFIG_FILE), resource(PeftFormat.CONFIG_FILE));
        Files.write(dir.resolve(PeftFormat.WEIGHTS_FILE), resource(PeftFormat.WEIGHTS_FILE));
        BaseModel base = GoldenSeqClsAdapter.base();
        PeftAdapterFiles.Loaded loaded = PeftAdapterFiles.read(dir, base.layout()).verifiedFor(base);
        LoraPlan expected = GoldenSeqClsAdapter.plan(base);
        assertThat(loaded.adapter().theta()).isEqualTo(GoldenSeqClsAdapter.adapter(base, expected).theta());
        assertThat(loaded.plan().headNames()).containsExactly("classifier.dense.weight", "classifier.dense.bias",
                "classifier.out_proj.weight", "classifier.out_proj.bias");

        // θ read back drives the engine as the adapter it was written from
        SequenceBatch batch = SequenceBatch.unlabelled(1, 4, new int[] {0, 7, 9, 2}, new int[4], new int[] {1, 1, 1, 1});
        EngineSpec spec = new EngineSpec(4, DataType.DOUBLE, TrainingMode.LORA, false, false);
        try (SequenceClassifier fromFile = SequenceClassifier.build(base, loaded.plan(), spec);
             SequenceClassifier original = SequenceClassifier.build(base, expected, spec)) {
            assertThat(fromFile.trainableLayout().names()).isEqualTo(loaded.plan().layout().names());
            fromFile.setTrainable(loaded.adapter().thetaFor(loaded.plan()));
            original.setTrainable(GoldenSeqClsAdapter.adapter(base, expected).theta());
            assertThat(fromFile.logits(batch).toDoubleMatrix()).isDeepEqualTo(original.logits(batch).toDoubleMatrix());
        }
    }

    /** PEFT matches "dense" against every Linear whose name ends so, except the modules it saves whole (RoBERTa's classifier.dense). */
    @Test
    void denseTargetsFollowPeftMatching() {
        BaseModel bert = TinyModels.random(TinyModels.bert(), 1);
        BaseModel roberta = TinyModels.random(TinyModels.roberta(), 1);
        LoraConfig dense = new LoraConfig(2, 4, 0, new TargetModules.Names(List.of("dense")), false, 1);
        assertThat(LoraPlan.of(dense, bert.layout()).modules()).hasSize(7) // 3 per layer and the pooler
                .anyMatch(m -> m.base().path().equals("bert.pooler.dense"));
        assertThat(LoraPlan.of(dense, roberta.layout()).modules()).hasSize(6)
                .noneMatch(m -> m.base().path().startsWith("classifier"));
    }

    /** Key names as PEFT's get_peft_model_state_dict writes them: modules_to_save without ".modules_to_save.default". */
    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void configAndKeysFollowPeft(ModelFamily family) throws Exception {
        BaseModel base = TinyModels.random(family == ModelFamily.BERT ? TinyModels.bert() : TinyModels.roberta(), 3);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), plan.initialParameters(base), "tiny", base.fingerprint()),
                plan, family);
        JsonNode config = new ObjectMapper().readTree(dir.resolve(PeftFormat.CONFIG_FILE).toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\",\"score\"]");
        assertThat(config.get("target_modules").toString()).isEqualTo("[\"query\",\"value\"]");
        assertThat(config.get("fan_in_fan_out").asBoolean()).isFalse();
        String p = family == ModelFamily.BERT ? "bert" : "roberta";
        List<String> expected = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String m : List.of("query", "value")) {
                for (String ab : List.of("lora_A", "lora_B")) {
                    expected.add("base_model.model." + p + ".encoder.layer." + layer + ".attention.self." + m + "." + ab + ".weight");
                }
            }
        }
        expected.addAll(family == ModelFamily.BERT
                ? List.of("base_model.model.classifier.weight", "base_model.model.classifier.bias")
                : List.of("base_model.model.classifier.dense.weight", "base_model.model.classifier.dense.bias",
                "base_model.model.classifier.out_proj.weight", "base_model.model.classifier.out_proj.bias"));
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve(PeftFormat.WEIGHTS_FILE))) {
            assertThat(weights.names()).containsExactlyInAnyOrderElementsOf(expected);
            String out = family == ModelFamily.BERT ? "classifier.weight" : "classifier.out_proj.weight";
            assertThat(weights.info("base_model.model." + out).shape()).containsExactly(3, 16);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void mergedCheckpointEqualsBasePlusAdapter(ModelFamily family) throws Exception {
        ModelConfig config = family == ModelFamily.BERT ? TinyModels.bert() : TinyModels.roberta();
        BaseModel base = TinyModels.random(config, 4);
        Path baseDir = TinyModels.write(base, dir.resolve("base"));
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0, new TargetModules.AllLinear(), false, 3), base.layout());
        float[] theta = MergedCheckpointTest.randomTheta(plan, 5);
        PeftAdapter adapter = new PeftAdapter(plan.config(), theta, "tiny", base.fingerprint());

        BaseModel merged = MergedCheckpoint.write(BaseModelLoader.load(baseDir), baseDir, adapter, plan,
                dir.resolve("merged"), DType.F32);
        BaseModel reloaded = BaseModelLoader.load(dir.resolve("merged"));
        assertThat(merged.hasHead()).isTrue();
        assertThat(reloaded.hasHead()).isTrue();

        SequenceBatch batch = SequenceBatch.unlabelled(2, SEQ, new int[] {2, 5, 7, 9, 11, 3, 4, 8, 6, 0, 1, 1},
                new int[12], new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
        if (family == ModelFamily.ROBERTA) { // padding is pad_token_id 1; id 0 is <s>
            batch = SequenceBatch.unlabelled(2, SEQ, new int[] {0, 5, 7, 9, 11, 2, 0, 8, 6, 2, 1, 1},
                    new int[12], new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
        }
        EngineSpec spec = new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false);
        try (SequenceClassifier withAdapter = SequenceClassifier.build(base, plan, spec);
             SequenceClassifier mergedModel = SequenceClassifier.build(reloaded, null, spec)) {
            withAdapter.setTrainable(theta);
            double[][] expected = withAdapter.logits(batch).toDoubleMatrix();
            double[][] actual = mergedModel.logits(batch).toDoubleMatrix();
            for (int r = 0; r < expected.length; r++) {
                for (int j = 0; j < expected[r].length; j++) {
                    assertThat(actual[r][j]).isCloseTo(expected[r][j], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void refusesACausalLmAdapterOnAnEncoder() throws Exception {
        BaseModel llama = GoldenAdapter.base();
        LoraPlan plan = GoldenAdapter.plan(llama);
        PeftAdapterFiles.write(dir, GoldenAdapter.adapter(llama, plan), plan, ModelFamily.LLAMA);
        BaseModel bert = TinyModels.random(TinyModels.bert(), 1);
        assertThatThrownBy(() -> PeftAdapterFiles.read(dir, bert.layout()))
                .isInstanceOf(IOException.class).hasMessageContaining("task_type is \"CAUSAL_LM\"")
                .hasMessageContaining("SEQ_CLS");
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = SeqClsAdapterTest.class.getClassLoader()
                .getResourceAsStream(GoldenSeqClsAdapter.RESOURCE_DIR + "/" + file)) {
            assertThat(in).as("golden resource " + file).isNotNull();
            return in.readAllBytes();
        }
    }
}
