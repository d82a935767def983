package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MemoryModel's working set equals what CausalLm holds after a step, on small models of both families, LoRA (with
 * and without dropout) and full fine-tuning, with and without activation checkpointing. When the engine starts
 * keeping another array, or stops keeping one, this fails until MemoryModel says so too.
 */
class MemoryModelTest {
    private static final int ROWS = 2;
    private static final int SEQ = 8;

    static final ModelConfig GPT2 = new ModelConfig(ModelFamily.GPT2, "gpt2", 97, 32, 3, 4, 4, 8, 64, 16, 1e-5, 0, true,
            true, true, true, 0);
    /** Grouped-query heads and q/k/v biases, as Qwen2. */
    static final ModelConfig QWEN2 = new ModelConfig(ModelFamily.LLAMA, "qwen2", 101, 32, 3, 4, 2, 8, 48, 64, 1e-6, 1e6,
            true, true, false, false, 0);
    /** A vocabulary wide enough that the loss's logits come in two chunks (of 8 rows). */
    static final ModelConfig WIDE_VOCAB = new ModelConfig(ModelFamily.LLAMA, "llama", 2_100_001, 8, 2, 2, 2, 4, 16, 64,
            1e-6, 1e4, true, false, false, false, 0);

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (ModelConfig c : new ModelConfig[] {GPT2, QWEN2}) {
            for (boolean checkpointing : new boolean[] {false, true}) {
                cases.add(Arguments.of(c, TrainingMode.LORA, 0.0, checkpointing));
                cases.add(Arguments.of(c, TrainingMode.LORA, 0.1, checkpointing));
                cases.add(Arguments.of(c, TrainingMode.FULL, 0.0, checkpointing));
            }
        }
        cases.add(Arguments.of(WIDE_VOCAB, TrainingMode.LORA, 0.0, false));
        return cases.build();
    }

    @ParameterizedTest(name = "{0} {1} dropout {2} checkpointing {3}")
    @MethodSource("cases")
    void predictsTheEnginesWorkingSetAfterAStep(ModelConfig c, TrainingMode mode, double dropout, boolean checkpointing) {
        BenchShape shape = new BenchShape("test", c, ROWS, SEQ, checkpointing);
        BaseModel base = BenchFixture.randomBase(shape, 3);
        LoraConfig lora = shape.lora();
        lora = new LoraConfig(lora.r(), lora.alpha(), dropout, lora.targets(), false, lora.seed());
        LoraPlan plan = LoraPlan.of(lora, base.layout());
        EngineSpec spec = new EngineSpec(SEQ, DataType.FLOAT, mode, true, checkpointing);
        Random rng = new Random(5);
        int[] tokens = new int[ROWS * SEQ];
        int[] targets = new int[ROWS * SEQ];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(c.vocabSize());
            targets[i] = i % SEQ == SEQ - 1 ? TokenBatch.IGNORE : rng.nextInt(c.vocabSize());
        }
        MemoryModel.Prediction predicted = MemoryModel.predict(c, plan, mode, ROWS, SEQ, checkpointing, dropout > 0,
                MemoryModel.FLOAT_BYTES, 0);
        try (CausalLm lm = CausalLm.build(base, plan, spec)) {
            if (mode == TrainingMode.LORA) {
                lm.setTrainable(plan.initialParameters());
            }
            lm.forwardBackward(new TokenBatch(ROWS, SEQ, tokens, targets), 1).close();
            assertThat(predicted.workingSet()).as("predicted working set %s", predicted.toJson())
                    .isEqualTo(lm.workingSetBytes());
            // a second step allocates nothing more
            lm.forwardBackward(new TokenBatch(ROWS, SEQ, tokens, targets), 2).close();
            assertThat(lm.workingSetBytes()).isEqualTo(predicted.workingSet());
        }
        assertThat(predicted.weights()).isEqualTo(base.parameterCount() * 4 * (mode == TrainingMode.FULL ? 3 : 1));
    }
}
