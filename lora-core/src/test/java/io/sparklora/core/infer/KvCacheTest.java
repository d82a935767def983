package io.sparklora.core.infer;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cached generation gives exactly the logits of running the whole context, for every context length. */
class KvCacheTest {
    private static final int SEQ = 9;

    static Stream<ModelConfig> families() {
        ModelConfig llama = TinyModels.llama();
        ModelConfig windowed = new ModelConfig(ModelFamily.LLAMA, "mistral", llama.vocabSize(), llama.hiddenSize(),
                llama.numLayers(), llama.numHeads(), llama.numKvHeads(), llama.headDim(), llama.intermediateSize(),
                llama.maxPositions(), llama.normEps(), llama.ropeTheta(), llama.tieWordEmbeddings(), llama.qkvBias(),
                llama.outputProjBias(), llama.mlpBias(), 3); // a sliding window shorter than the context
        return Stream.of(TinyModels.gpt2(), llama, windowed);
    }

    @ParameterizedTest
    @MethodSource("families")
    void cachedLogitsEqualTheWholeContextsAtEveryLength(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 31);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0, new TargetModules.AllLinear(), false, 5), base.layout());
        CausalLm lm = CausalLm.build(base, plan, new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false));
        float[] theta = plan.initialParameters();
        Random rng = new Random(3);
        for (int i = 0; i < theta.length; i++) {
            theta[i] += (float) (0.2 * rng.nextGaussian()); // B non-zero: the adapter is active
        }
        lm.setTrainable(theta);
        int[] tokens = rng.ints(SEQ, 0, config.vocabSize()).toArray();
        INDArray whole = lm.logits(tokens); // [SEQ, V]: causal, so row i is the logits after tokens 0..i
        try (EngineNextTokenModel cached = new EngineNextTokenModel(lm)) {
            for (int len = 1; len <= SEQ; len++) {
                float[] logits = cached.nextTokenLogits(Arrays.copyOf(tokens, len)); // one new token per call
                for (int v = 0; v < config.vocabSize(); v++) {
                    assertThat((double) logits[v]).as("length %d, token %d", len, v)
                            .isCloseTo(whole.getDouble(len - 1, v), org.assertj.core.data.Offset.offset(1e-6));
                }
            }
            // a context that does not extend the cached one (a slid window) starts over, with the same result
            float[] slid = cached.nextTokenLogits(Arrays.copyOfRange(tokens, 1, SEQ));
            CausalLm shorter = CausalLm.build(base, plan, new EngineSpec(SEQ - 1, DataType.DOUBLE, TrainingMode.LORA, false, false));
            shorter.setTrainable(theta);
            INDArray fresh = shorter.logits(Arrays.copyOfRange(tokens, 1, SEQ));
            for (int v = 0; v < config.vocabSize(); v++) {
                assertThat((double) slid[v]).isCloseTo(fresh.getDouble(SEQ - 2, v), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void aCacheFilledWithOtherAdapterValuesIsRefused(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 32);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults().withTargets(new TargetModules.AllLinear()), base.layout());
        CausalLm lm = CausalLm.build(base, plan, EngineSpec.inference(SEQ));
        var cache = lm.newCache(SEQ);
        lm.extend(cache, new int[] {1, 2});
        lm.setTrainable(plan.initialParameters());
        assertThatThrownBy(() -> lm.extend(cache, new int[] {3})).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("other trainable values");
        var full = lm.newCache(2);
        lm.extend(full, new int[] {1, 2});
        assertThatThrownBy(() -> lm.extend(full, new int[] {3})).hasMessageContaining("do not fit a cache of 2 positions");
    }
}
