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
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** DeBERTa's SEQ_CLS adapter (PEFT's keys, the pooler saved with the classifier) and its merged checkpoint. */
class DebertaAdapterTest {
    private static final int SEQ = 8;
    @TempDir
    Path dir;

    private static BaseModel base(long seed) {
        return TinyModels.random(TinyModels.debertaV3(List.of("a", "b", "c"), ProblemType.SINGLE_LABEL), seed);
    }

    /** Two rows, the second padded; id 0 is padding, 1 [CLS], 2 [SEP] as in v3's vocabulary. */
    private static SequenceBatch batch() {
        return SequenceBatch.unlabelled(2, SEQ, new int[] {1, 5, 7, 9, 11, 2, 8, 2, 1, 4, 6, 2, 9, 2, 0, 0},
                new int[] {0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
    }

    @Test
    void configAndKeysFollowPeftAndReadBack() throws Exception {
        BaseModel base = base(3);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        float[] theta = MergedCheckpointTest.randomTheta(plan, 4);
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), theta, "tiny", base.fingerprint()), plan,
                ModelFamily.DEBERTA_V2);
        JsonNode config = new ObjectMapper().readTree(dir.resolve(PeftFormat.CONFIG_FILE).toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\",\"score\",\"pooler\"]");
        assertThat(config.get("target_modules").toString()).isEqualTo("[\"query_proj\",\"value_proj\"]");
        List<String> expected = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String m : List.of("query_proj", "value_proj")) {
                for (String ab : List.of("lora_A", "lora_B")) {
                    expected.add("base_model.model.deberta.encoder.layer." + layer + ".attention.self." + m + "." + ab + ".weight");
                }
            }
        }
        expected.addAll(List.of("base_model.model.pooler.dense.weight", "base_model.model.pooler.dense.bias",
                "base_model.model.classifier.weight", "base_model.model.classifier.bias"));
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve(PeftFormat.WEIGHTS_FILE))) {
            assertThat(weights.names()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(weights.info("base_model.model.classifier.weight").shape()).containsExactly(3, 16);
        }

        PeftAdapterFiles.Loaded loaded = PeftAdapterFiles.read(dir, base.layout()).verifiedFor(base);
        assertThat(loaded.plan().headNames()).containsExactly("pooler.dense.weight", "pooler.dense.bias",
                "classifier.weight", "classifier.bias");
        EngineSpec spec = new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false);
        try (SequenceClassifier fromFile = SequenceClassifier.build(base, loaded.plan(), spec);
             SequenceClassifier original = SequenceClassifier.build(base, plan, spec)) {
            fromFile.setTrainable(loaded.adapter().thetaFor(loaded.plan()));
            original.setTrainable(theta);
            assertThat(fromFile.logits(batch()).toDoubleMatrix()).isDeepEqualTo(original.logits(batch()).toDoubleMatrix());
        }
    }

    /** Every linear map adapted, key_proj and query_proj included: their merged weights also project the positions. */
    @Test
    void mergedCheckpointEqualsBasePlusAdapter() throws Exception {
        BaseModel base = base(4);
        Path baseDir = TinyModels.write(base, dir.resolve("base"));
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0, new TargetModules.AllLinear(), false, 3), base.layout());
        float[] theta = MergedCheckpointTest.randomTheta(plan, 5);
        PeftAdapter adapter = new PeftAdapter(plan.config(), theta, "tiny", base.fingerprint());

        MergedCheckpoint.write(BaseModelLoader.load(baseDir), baseDir, adapter, plan, dir.resolve("merged"), DType.F32);
        BaseModel reloaded = BaseModelLoader.load(dir.resolve("merged"));
        assertThat(reloaded.hasHead()).isTrue();
        assertThat(reloaded.config()).isEqualTo(base.config());

        EngineSpec spec = new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false);
        try (SequenceClassifier withAdapter = SequenceClassifier.build(base, plan, spec);
             SequenceClassifier merged = SequenceClassifier.build(reloaded, null, spec)) {
            withAdapter.setTrainable(theta);
            double[][] expected = withAdapter.logits(batch()).toDoubleMatrix();
            double[][] actual = merged.logits(batch()).toDoubleMatrix();
            for (int r = 0; r < expected.length; r++) {
                for (int j = 0; j < expected[r].length; j++) {
                    assertThat(actual[r][j]).isCloseTo(expected[r][j], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }
}
