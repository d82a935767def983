package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each row's loss from a batch equals the loss of that row run alone, and the rows add up to the batch's loss. */
class RowLossSumsTest {
    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void eachRowsLossIsTheLossOfThatRowAlone(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 23);
        LoraPlan plan = EngineGradientCheckTest.allLinear(base, 0.0);
        int seq = EngineGradientCheckTest.SEQ;
        int rows = 3;
        Random rng = new Random(3);
        int[] tokens = new int[rows * seq];
        int[] targets = new int[rows * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(TinyModels.VOCAB);
            targets[i] = i % 4 == 1 ? TokenBatch.IGNORE : rng.nextInt(TinyModels.VOCAB);
        }
        Arrays.fill(targets, seq, 2 * seq, TokenBatch.IGNORE); // a row with nothing in the loss sums to 0
        float[] theta = plan.initialParameters();
        Arrays.fill(theta, plan.layout().offset(plan.modules().get(0).bName()), theta.length, 0.05f);
        CausalLm lm = CausalLm.build(base, plan, new EngineSpec(seq, DataType.DOUBLE, TrainingMode.LORA, false, false));
        lm.setTrainable(theta);

        double[] sums = lm.rowLossSums(new TokenBatch(rows, seq, tokens, targets));

        assertThat(sums).hasSize(rows);
        assertThat(sums[1]).isZero();
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double alone = lm.lossSum(new TokenBatch(1, seq, Arrays.copyOfRange(tokens, r * seq, (r + 1) * seq),
                    Arrays.copyOfRange(targets, r * seq, (r + 1) * seq)));
            assertThat(sums[r]).as("row %d", r).isCloseTo(alone, within(1e-12 * Math.max(1, Math.abs(alone))));
            total += sums[r];
        }
        assertThat(sums[0]).isPositive();
        assertThat(total).isCloseTo(lm.lossSum(new TokenBatch(rows, seq, tokens, targets)), within(1e-9));
    }
}
