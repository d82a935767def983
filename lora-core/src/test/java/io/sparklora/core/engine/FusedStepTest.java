package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A float32 step through the fused kernels and the blocked causal attention equals the same step through the ND4J
 * operations (which the float64 gradient checks hold to finite differences) to float32 rounding: loss, LoRA and full
 * fine-tuning gradients, both families, sliding windows, sizes that are not whole vectors, rows of one attention
 * block and of three (the last partial).
 */
class FusedStepTest {
    /** Hidden 20, head_dim 6, intermediate 28, vocabulary 29, a sliding window: no row a multiple of 8. */
    static ModelConfig oddSlidingLlama(int window) {
        return new ModelConfig(ModelFamily.LLAMA, "mistral", TinyModels.VOCAB, 20, 2, 4, 2, 6, 28, 256, 1e-6, 10000,
                false, false, false, false, window);
    }

    /** GPT-2 with 256 positions, for rows longer than one block of causal attention. */
    static ModelConfig longGpt2() {
        return new ModelConfig(ModelFamily.GPT2, "gpt2", TinyModels.VOCAB, 32, 2, 4, 4, 8, 64, 256, 1e-5, 0, true,
                true, true, true, 0);
    }

    /** One key/value head (multi-query attention), for a batch whose attention is a single unit of work. */
    static ModelConfig multiQueryLlama() {
        return new ModelConfig(ModelFamily.LLAMA, "llama", TinyModels.VOCAB, 20, 2, 4, 1, 6, 28, 256, 1e-6, 10000,
                false, false, false, false, 0);
    }

    /**
     * Two rows each: short ones (one attention block), and 150 tokens (two whole blocks and a partial one, a window
     * across); and one 150-token row of a one-key-head model, whose attention is one unit on one thread.
     */
    static Stream<Arguments> cases() {
        int seq = EngineGradientCheckTest.SEQ;
        int longSeq = 2 * CausalBlocks.BLOCK + 22;
        return Stream.of(Arguments.of(TinyModels.gpt2(), seq, 2), Arguments.of(TinyModels.llama(), seq, 2),
                        Arguments.of(oddSlidingLlama(3), seq, 2), Arguments.of(longGpt2(), longSeq, 2),
                        Arguments.of(oddSlidingLlama(70), longSeq, 2), Arguments.of(multiQueryLlama(), longSeq, 1))
                .flatMap(a -> Stream.of(Arguments.of(a.get()[0], a.get()[1], a.get()[2], Targets.ALL_LINEAR),
                        Arguments.of(a.get()[0], a.get()[1], a.get()[2], Targets.DEFAULT),
                        Arguments.of(a.get()[0], a.get()[1], a.get()[2], Targets.FULL)));
    }

    /**
     * LoRA on every projection; LoRA on the family's default targets (attention's inputs only, so the blocks keep
     * no attention output and its backward takes the softmax's row sums from the probabilities); full fine-tuning.
     */
    enum Targets {
        ALL_LINEAR, DEFAULT, FULL;

        LoraPlan plan(BaseModel base) {
            return switch (this) {
                case ALL_LINEAR -> EngineGradientCheckTest.allLinear(base, 0.0);
                case DEFAULT -> EngineGradientCheckTest.defaultTargets(base);
                case FULL -> null;
            };
        }
    }

    @Test
    void theTestJvmRunsTheKernels() {
        // The build starts every test JVM with --add-modules jdk.incubator.vector; without it the tests below
        // would compare the ND4J path with itself.
        assertThat(Fused.available()).as(Fused.describe()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void fusedStepEqualsTheNd4jStep(ModelConfig config, int seq, int rows, Targets targets) {
        BaseModel base = TinyModels.random(config, 43);
        LoraPlan plan = targets.plan(base);
        TrainingMode mode = plan == null ? TrainingMode.FULL : TrainingMode.LORA;
        float[] theta = plan == null ? null : plan.initialParameters();
        if (theta != null) {
            for (int i = 0; i < theta.length; i++) {
                theta[i] += 0.02f * ((i % 9) - 4); // B non-zero
            }
        }
        TokenBatch batch = batch(rows, seq);
        Step fused = step(base, plan, theta, mode, batch);
        boolean before = Fused.setEnabled(false);
        Step plain;
        try {
            plain = step(base, plan, theta, mode, batch);
        } finally {
            Fused.setEnabled(before);
        }
        assertThat(fused.loss).isCloseTo(plain.loss, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(plain.gradient).hasSameSizeAs(fused.gradient);
        double scale = 0;
        for (float g : plain.gradient) {
            scale = Math.max(scale, Math.abs(g));
        }
        assertThat(scale).isGreaterThan(0);
        for (int i = 0; i < plain.gradient.length; i++) {
            assertThat((double) Math.abs(fused.gradient[i] - plain.gradient[i])).as("gradient element %d", i)
                    .isLessThanOrEqualTo(2e-5 * scale);
        }
    }

    private record Step(double loss, float[] gradient) {
    }

    /** rows of seq tokens, some positions without a target. */
    private static TokenBatch batch(int rows, int seq) {
        Random rng = new Random(seq);
        int[] tokens = new int[rows * seq];
        int[] targets = new int[rows * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(TinyModels.VOCAB);
            targets[i] = i % 5 == 0 ? TokenBatch.IGNORE : rng.nextInt(TinyModels.VOCAB);
        }
        return new TokenBatch(rows, seq, tokens, targets);
    }

    private static Step step(BaseModel base, LoraPlan plan, float[] theta, TrainingMode mode, TokenBatch batch) {
        CausalLm lm = CausalLm.build(base, plan, new EngineSpec(batch.seqLen(), DataType.FLOAT, mode, false, false));
        if (theta != null) {
            lm.setTrainable(theta);
        }
        lm.forwardBackward(batch, 3).close(); // the second step runs over the first one's buffers: nothing may leak
        try (StepOutput out = lm.forwardBackward(batch, 3)) {
            return new Step(out.lossSum(), out.flatGradient(lm.trainableLayout()));
        }
    }
}
