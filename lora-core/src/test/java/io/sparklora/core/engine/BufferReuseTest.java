package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batches of other sizes reuse the engine's arrays (a smaller last micro-batch, evaluation) without leaving stale
 * values behind, and the working set stops growing after the largest batch.
 */
class BufferReuseTest {
    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void aSmallerBatchBetweenTwoLargerOnesChangesNothing(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 51);
        LoraPlan plan = EngineGradientCheckTest.allLinear(base, 0.1);
        int seq = EngineGradientCheckTest.SEQ;
        EngineSpec spec = new EngineSpec(seq, DataType.FLOAT, TrainingMode.LORA, true, false);
        TokenBatch two = EngineGradientCheckTest.batch();
        TokenBatch one = new TokenBatch(1, seq, Arrays.copyOf(two.tokens(), seq), Arrays.copyOfRange(two.targets(), seq, 2 * seq));
        float[] theta = plan.initialParameters();
        Arrays.fill(theta, plan.layout().offset(plan.modules().get(0).bName()), theta.length, 0.05f);

        CausalLm reused = CausalLm.build(base, plan, spec);
        reused.setTrainable(theta);
        float[] firstTwo = reused.forwardBackward(two, 1).flatGradient(reused.trainableLayout());
        long workingSet = reused.workingSetBytes();
        StepOutput smaller = reused.forwardBackward(one, 1);
        float[] againTwo = reused.forwardBackward(two, 1).flatGradient(reused.trainableLayout());

        CausalLm fresh = CausalLm.build(base, plan, spec);
        fresh.setTrainable(theta);
        StepOutput freshOne = fresh.forwardBackward(one, 1);
        assertThat(smaller.lossSum()).isEqualTo(freshOne.lossSum());
        assertThat(smaller.flatGradient(reused.trainableLayout())).containsExactly(freshOne.flatGradient(fresh.trainableLayout()));
        assertThat(againTwo).containsExactly(firstTwo);
        assertThat(reused.workingSetBytes()).isEqualTo(workingSet);
    }
}
