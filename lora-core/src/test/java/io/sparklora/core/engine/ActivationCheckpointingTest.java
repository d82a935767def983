package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Recomputing each layer in the backward pass gives the same gradients bit for bit, and holds less memory. */
class ActivationCheckpointingTest {
    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void sameGradientsBitForBitWithLessActivationMemory(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 41);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0.1, new TargetModules.AllLinear(), false, 5), base.layout());
        float[] theta = plan.initialParameters();
        for (int i = 0; i < theta.length; i++) {
            theta[i] += 0.01f * (i % 7); // B non-zero
        }
        int seq = EngineGradientCheckTest.SEQ;
        CausalLm plain = CausalLm.build(base, plan, new EngineSpec(seq, DataType.FLOAT, TrainingMode.LORA, true, false));
        CausalLm recompute = CausalLm.build(base, plan, new EngineSpec(seq, DataType.FLOAT, TrainingMode.LORA, true, true));
        plain.setTrainable(theta);
        recompute.setTrainable(theta);
        try (StepOutput a = plain.forwardBackward(EngineGradientCheckTest.batch(), 3);
             StepOutput b = recompute.forwardBackward(EngineGradientCheckTest.batch(), 3)) {
            assertThat(b.lossSum()).isEqualTo(a.lossSum());
            assertThat(b.flatGradient(recompute.trainableLayout())).containsExactly(a.flatGradient(plain.trainableLayout()));
        }
        assertThat(recompute.workingSetBytes()).isLessThan(plain.workingSetBytes());
    }
}
