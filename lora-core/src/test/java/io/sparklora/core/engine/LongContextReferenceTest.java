package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.RopeScaling;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rotary scaling against the float64 reference ({@link ReferenceForwardTest.Reference} with {@link HfRope}) over
 * 640 positions, where the scaled low frequencies decide the logits: the training pass (logits and the loss of
 * {@code forwardBackward}) and generation through the key/value cache (a 512-token prompt, then one token at a
 * time). The model has head_dim wider than hidden / heads and biases on every projection, with LoRA active.
 */
class LongContextReferenceTest {
    private static final int LEN = 640;
    private static final int PROMPT = 512;
    /** Positions from here on are "far": llama3's scaled wavelengths (≥ 628 positions) have turned a good way. */
    private static final int FAR = 256;

    static Stream<RopeScaling> scalings() {
        // llama3 as Llama 3.1 configures it, with the pretraining context scaled down to 2048 so that, of the 8
        // wavelengths, 4 stay (≤ 199 < 2048/4), 2 are interpolated (628, 1987) and 2 divided by 8 (6283, 19869)
        return Stream.of(RopeScaling.llama3(8, 1, 4, 2048), RopeScaling.linear(4), RopeScaling.NONE);
    }

    private static int[] tokens(long seed) {
        return new Random(seed).ints(LEN, 0, TinyModels.VOCAB).toArray();
    }

    @ParameterizedTest
    @MethodSource("scalings")
    void trainingPassMatchesTheReferenceAtEveryPosition(RopeScaling scaling) {
        ModelConfig config = TinyModels.llamaLongContext(scaling);
        BaseModel base = TinyModels.random(config, 41);
        LoraPlan plan = ReferenceForwardTest.plan(base);
        float[] theta = ReferenceForwardTest.randomTheta(plan, 42);
        int[] tokens = tokens(43);
        double[][] expected = new ReferenceForwardTest.Reference(base, plan, theta).logits(tokens, LEN);
        double scale = Math.max(1.0, ReferenceForwardTest.maxAbs(expected));

        try (CausalLm lm = CausalLm.build(base, plan, new EngineSpec(LEN, DataType.DOUBLE, TrainingMode.LORA, false, false))) {
            lm.setTrainable(theta);
            double[][] actual = ReferenceForwardTest.rows(lm.logits(tokens));
            assertThat(ReferenceForwardTest.maxAbsDiff(actual, expected)).as("max |engine - reference| (scale %.3f)", scale)
                    .isLessThan(1e-9 * scale);

            // the training step's loss: next-token cross-entropy over all 639 predictions
            int[] targets = new int[LEN];
            for (int t = 0; t < LEN; t++) {
                targets[t] = t + 1 < LEN ? tokens[t + 1] : TokenBatch.IGNORE;
            }
            double loss = lm.forwardBackward(new TokenBatch(1, LEN, tokens, targets), 1).lossSum();
            assertThat(loss).isCloseTo(crossEntropy(expected, targets), org.assertj.core.data.Offset.offset(1e-9 * LEN));
        }

        if (scaling.type() != RopeScaling.Type.NONE) { // the scaling must matter where it is tested
            BaseModel unscaled = BaseModel.of(config.withRopeScaling(RopeScaling.NONE), base.weights());
            double[][] plain = new ReferenceForwardTest.Reference(unscaled, plan, theta).logits(tokens, LEN);
            double[][] far = Arrays.copyOfRange(expected, FAR, LEN);
            assertThat(ReferenceForwardTest.maxAbsDiff(far, Arrays.copyOfRange(plain, FAR, LEN))).isGreaterThan(0.05 * scale);
        }
    }

    @ParameterizedTest
    @MethodSource("scalings")
    void generationThroughTheCacheMatchesTheReference(RopeScaling scaling) {
        ModelConfig config = TinyModels.llamaLongContext(scaling);
        BaseModel base = TinyModels.random(config, 51);
        LoraPlan plan = ReferenceForwardTest.plan(base);
        float[] theta = ReferenceForwardTest.randomTheta(plan, 52);
        int[] tokens = tokens(53);
        double[][] expected = new ReferenceForwardTest.Reference(base, plan, theta).logits(tokens, LEN);
        double tolerance = 1e-6 * Math.max(1.0, ReferenceForwardTest.maxAbs(expected)); // extend returns float32

        try (CausalLm lm = CausalLm.build(base, plan, new EngineSpec(LEN, DataType.DOUBLE, TrainingMode.LORA, false, false))) {
            lm.setTrainable(theta); // before the cache: a cache is valid for the values that filled it
            KvCache cache = lm.newCache(LEN);
            float[] logits = lm.extend(cache, Arrays.copyOf(tokens, PROMPT));
            assertRow(logits, expected[PROMPT - 1], tolerance, PROMPT - 1);
            for (int p = PROMPT; p < LEN; p++) {
                logits = lm.extend(cache, new int[] {tokens[p]});
                assertRow(logits, expected[p], tolerance, p);
            }
            cache.close();
        }
    }

    private static void assertRow(float[] actual, double[] expected, double tolerance, int position) {
        double worst = 0;
        for (int v = 0; v < expected.length; v++) {
            worst = Math.max(worst, Math.abs(actual[v] - expected[v]));
        }
        assertThat(worst).as("max |cached - reference| of the logits after position %d", position).isLessThan(tolerance);
    }

    /** Σ −log softmax(logits[t])[target[t]] over the targets that are not ignored. */
    private static double crossEntropy(double[][] logits, int[] targets) {
        double sum = 0;
        for (int t = 0; t < targets.length; t++) {
            if (targets[t] == TokenBatch.IGNORE) {
                continue;
            }
            double max = Arrays.stream(logits[t]).max().orElseThrow();
            double z = 0;
            for (double l : logits[t]) {
                z += Math.exp(l - max);
            }
            sum += max + Math.log(z) - logits[t][targets[t]];
        }
        return sum;
    }
}
