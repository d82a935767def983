package io.sparklora.core.adapter;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraMerge;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.testing.TinyData;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Merged checkpoints: written in the base's own layout, loaded as a plain model, same logits as base + adapter. */
class MergedCheckpointTest {
    private static final int SEQ = 8;

    @TempDir
    Path dir;

    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void mergedCheckpointLogitsEqualAdapterLogits(ModelConfig config) throws Exception {
        Path baseDir = TinyModels.write(TinyModels.random(config, 21), dir.resolve("base"));
        Files.writeString(baseDir.resolve("tokenizer.json"), "{}");
        BaseModel base = BaseModelLoader.load(baseDir);
        LoraPlan plan = LoraPlan.of(new LoraConfig(4, 8, 0.0, new TargetModules.AllLinear(), false, 1), base.layout());
        float[] theta = randomTheta(plan, 5);
        PeftAdapter adapter = new PeftAdapter(plan.config(), theta, "tiny", base.fingerprint());

        Path mergedDir = dir.resolve("merged");
        MergedCheckpoint.write(base, baseDir, adapter, plan, mergedDir, DType.F32);
        BaseModel reloaded = BaseModelLoader.load(mergedDir);

        CausalLm withAdapter = CausalLm.build(base, plan, EngineSpec.inference(SEQ));
        withAdapter.setTrainable(theta);
        CausalLm merged = CausalLm.build(reloaded, null, new EngineSpec(SEQ, DataType.FLOAT, TrainingMode.FULL, false, false));
        int[] tokens = TinyData.rows(3, SEQ, 4).stream().flatMapToInt(r -> Arrays.stream(r.tokens())).toArray();
        INDArray expected = withAdapter.logits(tokens);
        INDArray actual = merged.logits(tokens);

        double relative = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue()
                / Transforms.abs(expected).maxNumber().doubleValue();
        assertThat(relative).isLessThan(1e-4);
        // The adapter really changes the model, so the equality above is not trivially base == base.
        CausalLm plainBase = CausalLm.build(base, null, new EngineSpec(SEQ, DataType.FLOAT, TrainingMode.FULL, false, false));
        assertThat(Transforms.abs(plainBase.logits(tokens).sub(expected)).maxNumber().doubleValue()).isGreaterThan(1e-2);
        assertThat(mergedDir.resolve("tokenizer.json")).exists();
    }

    @ParameterizedTest
    @MethodSource("families")
    void unmergeRestoresTheBase(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 22);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0.0, null, false, 1), base.layout());
        float[] theta = randomTheta(plan, 6);
        BaseModel roundTrip = LoraMerge.unmerge(LoraMerge.merge(base, plan, theta), plan, theta);
        for (String name : base.weights().keySet()) {
            INDArray diff = Transforms.abs(roundTrip.weight(name).sub(base.weight(name)));
            assertThat(diff.maxNumber().doubleValue()).as(name).isLessThan(1e-6);
        }
    }

    static float[] randomTheta(LoraPlan plan, long seed) {
        Random rng = new Random(seed);
        float[] theta = new float[plan.layout().size()];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) (0.3 * rng.nextGaussian());
        }
        return theta;
    }
}
