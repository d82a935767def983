package io.sparklora.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    private static OptimizerConfig adamConfig(double lr, double wd) {
        return new OptimizerConfig(lr, wd, 0.9, 0.999, 1e-8, LrSchedule.CONSTANT, 0, 1.0);
    }

    // ---------------------------------------------------------------- AdamW

    /**
     * torch.optim.AdamW, per element, at step t:
     *   θ ← θ·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
     *   θ ← θ − (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + ε)
     * lr 0.01, wd 0.1, β = (0.9, 0.999), ε 1e-8; θ0 = [1, −2, 0.5], g1 = [0.1, −0.2, 0], g2 = [0.3, 0.1, −0.4].
     *
     * Step 1 (bias corrections 0.1 and 0.001, so the step is lr·g/(|g|+ε), 0 where g = 0):
     *   θ1 = [0.999 − 0.01·0.1/(0.1+1e-8), −1.998 + 0.01·0.2/(0.2+1e-8), 0.4995]
     *      = [0.9890000001, −1.9880000005, 0.4995]
     *   m1 = [0.01, −0.02, 0],  v1 = [1e-5, 4e-5, 0]
     * Step 2 (bias corrections 0.19 and 0.001999):
     *   m2 = 0.9·m1 + 0.1·g2 = [0.039, −0.008, −0.04]
     *   v2 = 0.999·v1 + 0.001·g2² = [9.999e-5, 4.996e-5, 1.6e-4]
     *   θ2 = 0.999·θ1 − 0.01·(m2/0.19)/(sqrt(v2/0.001999)+1e-8)
     *      = [0.978833190219559, −1.9833486302713677, 0.5064418679726436]
     */
    @Test
    void adamWMatchesTorchFormulasOverTwoSteps() {
        AdamW adam = new AdamW(adamConfig(0.01, 0.1), 3);
        float[] theta = {1.0f, -2.0f, 0.5f};

        adam.step(theta, new float[] {0.1f, -0.2f, 0.0f}, 0.01);
        assertThat(adam.stepCount()).isEqualTo(1);
        assertThat((double) theta[0]).isCloseTo(0.9890000001, within(1e-6));
        assertThat((double) theta[1]).isCloseTo(-1.9880000005, within(1e-6));
        assertThat((double) theta[2]).isCloseTo(0.4995, within(1e-6));
        AdamWState s1 = adam.state();
        assertThat((double) s1.firstMoment()[0]).isCloseTo(0.01, within(1e-8));
        assertThat((double) s1.firstMoment()[1]).isCloseTo(-0.02, within(1e-8));
        assertThat((double) s1.secondMoment()[1]).isCloseTo(4e-5, within(1e-10));

        adam.step(theta, new float[] {0.3f, 0.1f, -0.4f}, 0.01);
        assertThat(adam.stepCount()).isEqualTo(2);
        assertThat((double) theta[0]).isCloseTo(0.978833190219559, within(1e-6));
        assertThat((double) theta[1]).isCloseTo(-1.9833486302713677, within(1e-6));
        assertThat((double) theta[2]).isCloseTo(0.5064418679726436, within(1e-6));
        AdamWState s2 = adam.state();
        assertThat((double) s2.firstMoment()[0]).isCloseTo(0.039, within(1e-7));
        assertThat((double) s2.firstMoment()[2]).isCloseTo(-0.04, within(1e-7));
        assertThat((double) s2.secondMoment()[0]).isCloseTo(9.999e-5, within(1e-9));
        assertThat((double) s2.secondMoment()[2]).isCloseTo(1.6e-4, within(1e-9));
    }

    @Test
    void adamWUsesTheLearningRateItIsGivenNotTheConfigs() {
        // Step 1 with lr 0.5, no decay: θ moves by lr·sign(g).
        AdamW adam = new AdamW(adamConfig(0.01, 0.0), 2);
        float[] theta = {0f, 0f};
        adam.step(theta, new float[] {3f, -0.001f}, 0.5);
        assertThat((double) theta[0]).isCloseTo(-0.5, within(1e-6));
        assertThat((double) theta[1]).isCloseTo(0.5, within(1e-4));
    }

    @Test
    void adamWStateRoundTripContinuesIdentically() {
        OptimizerConfig config = adamConfig(0.01, 0.05);
        AdamW original = new AdamW(config, 4);
        float[] theta = {0.3f, -0.7f, 1.1f, 0f};
        float[][] grads = {
                {0.2f, -0.1f, 0.05f, 1f}, {-0.3f, 0.4f, 0.0f, 0.5f},
                {0.1f, 0.1f, -0.2f, -1f}, {0.7f, -0.2f, 0.3f, 0.25f}};
        original.step(theta, grads[0], 0.01);
        original.step(theta, grads[1], 0.008);

        AdamWState saved = original.state();
        AdamW resumed = new AdamW(config, saved);
        assertThat(resumed.stepCount()).isEqualTo(2);
        float[] thetaResumed = theta.clone();

        for (int k = 2; k < 4; k++) {
            original.step(theta, grads[k], 0.006);
            resumed.step(thetaResumed, grads[k], 0.006);
        }
        assertThat(thetaResumed).containsExactly(theta);
        assertThat(resumed.state().firstMoment()).containsExactly(original.state().firstMoment());
        assertThat(resumed.state().secondMoment()).containsExactly(original.state().secondMoment());
        assertThat(resumed.stepCount()).isEqualTo(4);

        // The saved state is a copy: stepping did not change it, and mutating it does not affect the optimizer.
        assertThat(saved.step()).isEqualTo(2);
        AdamW fresh = new AdamW(config, 4);
        assertThat(fresh.state().firstMoment()).containsOnly(0f);
        // Resuming from a fresh state is not the same as resuming from the saved one (bias correction uses step).
        float[] t1 = {1f, 1f, 1f, 1f};
        float[] t2 = t1.clone();
        new AdamW(config, saved).step(t1, grads[0], 0.01);
        fresh.step(t2, grads[0], 0.01);
        assertThat(t1).isNotEqualTo(t2);
    }

    @Test
    void adamWRejectsMismatchedSizes() {
        AdamW adam = new AdamW(adamConfig(0.01, 0), 3);
        assertThatThrownBy(() -> adam.step(new float[3], new float[2], 0.01)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AdamW holds 3 moments, got θ of 3 and a gradient of 2");
        assertThatThrownBy(() -> new AdamWState(-1, new float[1], new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("optimizer step must be >= 0");
        assertThatThrownBy(() -> new AdamWState(0, new float[1], new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("moment vectors differ in length: 1 vs 2");
    }

    // ---------------------------------------------------------------- LrSchedule

    @Test
    void constantScheduleWarmsUpThenHolds() {
        LrSchedule s = LrSchedule.CONSTANT;
        assertThat(s.rate(1e-3, 0, 10, 100)).isEqualTo(0.0);
        assertThat(s.rate(1e-3, 5, 10, 100)).isCloseTo(5e-4, within(1e-15));
        assertThat(s.rate(1e-3, 10, 10, 100)).isEqualTo(1e-3);
        assertThat(s.rate(1e-3, 55, 10, 100)).isEqualTo(1e-3);
        assertThat(s.rate(1e-3, 100, 10, 100)).isEqualTo(1e-3);
        // No warmup: full rate from step 0.
        assertThat(s.rate(1e-3, 0, 0, 100)).isEqualTo(1e-3);
    }

    @Test
    void linearScheduleMatchesHuggingFace() {
        LrSchedule s = LrSchedule.LINEAR;
        double lr = 2e-4;
        long warmup = 10;
        long total = 110;
        assertThat(s.rate(lr, 0, warmup, total)).isEqualTo(0.0);
        assertThat(s.rate(lr, 4, warmup, total)).isCloseTo(lr * 4 / 10, within(1e-15));
        // End of warmup: lr * (total - step) / (total - warmup) = lr.
        assertThat(s.rate(lr, 10, warmup, total)).isCloseTo(lr, within(1e-15));
        assertThat(s.rate(lr, 60, warmup, total)).isCloseTo(lr * 50 / 100, within(1e-15));
        assertThat(s.rate(lr, 85, warmup, total)).isCloseTo(lr * 25 / 100, within(1e-15));
        assertThat(s.rate(lr, 110, warmup, total)).isCloseTo(0.0, within(1e-15));
        assertThat(s.rate(lr, 150, warmup, total)).isEqualTo(0.0); // clamped past the end
        // No warmup: step 0 is the peak.
        assertThat(s.rate(lr, 0, 0, 100)).isEqualTo(lr);
        assertThat(s.rate(lr, 25, 0, 100)).isCloseTo(lr * 0.75, within(1e-15));
    }

    @Test
    void cosineScheduleMatchesHuggingFace() {
        LrSchedule s = LrSchedule.COSINE;
        double lr = 1.0;
        long warmup = 20;
        long total = 220;
        assertThat(s.rate(lr, 0, warmup, total)).isEqualTo(0.0);
        assertThat(s.rate(lr, 5, warmup, total)).isCloseTo(0.25, within(1e-15));
        assertThat(s.rate(lr, 20, warmup, total)).isCloseTo(1.0, within(1e-15));
        // progress 0.25 -> 0.5 * (1 + cos(pi/4))
        assertThat(s.rate(lr, 70, warmup, total)).isCloseTo(0.5 * (1 + Math.sqrt(0.5)), within(1e-12));
        assertThat(s.rate(lr, 120, warmup, total)).isCloseTo(0.5, within(1e-12));
        assertThat(s.rate(lr, 170, warmup, total)).isCloseTo(0.5 * (1 - Math.sqrt(0.5)), within(1e-12));
        assertThat(s.rate(lr, 220, warmup, total)).isCloseTo(0.0, within(1e-12));
        assertThat(s.rate(lr, 300, warmup, total)).isCloseTo(0.0, within(1e-12)); // stays at 0, does not rise again
        assertThat(s.rate(3e-4, 120, warmup, total)).isCloseTo(1.5e-4, within(1e-15));
    }

    @Test
    void scheduleParse() {
        assertThat(LrSchedule.parse("cosine")).isEqualTo(LrSchedule.COSINE);
        assertThat(LrSchedule.parse(" Linear ")).isEqualTo(LrSchedule.LINEAR);
        assertThat(LrSchedule.parse("CONSTANT")).isEqualTo(LrSchedule.CONSTANT);
        assertThatThrownBy(() -> LrSchedule.parse("cosine_with_restarts")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schedule \"cosine_with_restarts\" is unknown; use constant, linear or cosine");
        assertThatThrownBy(() -> LrSchedule.parse("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is unknown");
    }

    // ---------------------------------------------------------------- GradientClipping

    @Test
    void globalNormIsTheEuclideanNorm() {
        assertThat(GradientClipping.globalNorm(new float[] {3, 4})).isEqualTo(5.0);
        assertThat(GradientClipping.globalNorm(new float[] {1, -2, 2, 4})).isEqualTo(5.0);
        assertThat(GradientClipping.globalNorm(new float[0])).isEqualTo(0.0);
    }

    @Test
    void clipScalesByMaxNormOverNormPlusEpsilonWhenAbove() {
        float[] g = {3, -4, 0};
        double norm = GradientClipping.clip(g, 1.0);
        assertThat(norm).isEqualTo(5.0);
        double scale = 1.0 / (5.0 + 1e-6);
        assertThat((double) g[0]).isCloseTo(3 * scale, within(1e-7));
        assertThat((double) g[1]).isCloseTo(-4 * scale, within(1e-7));
        assertThat(g[2]).isZero();
        assertThat(GradientClipping.globalNorm(g)).isCloseTo(1.0, within(1e-6)).isLessThan(1.0);
    }

    @Test
    void clipLeavesGradientsAtOrBelowMaxNormUntouched() {
        float[] g = {0.3f, -0.4f};
        assertThat(GradientClipping.clip(g, 1.0)).isCloseTo(0.5, within(1e-7));
        assertThat(g).containsExactly(0.3f, -0.4f);
        float[] exact = {3, 4};
        assertThat(GradientClipping.clip(exact, 5.0)).isEqualTo(5.0);
        assertThat(exact).containsExactly(3f, 4f);
    }

    @Test
    void clipWithZeroMaxNormIsDisabled() {
        float[] g = {300, -400};
        assertThat(GradientClipping.clip(g, 0)).isEqualTo(500.0);
        assertThat(g).containsExactly(300f, -400f);
    }

    // ---------------------------------------------------------------- OptimizerConfig

    private static OptimizerConfig cfg(double lr, double wd, double b1, double b2, long warmup) {
        return new OptimizerConfig(lr, wd, b1, b2, 1e-8, LrSchedule.LINEAR, warmup, 1.0);
    }

    @Test
    void optimizerConfigRejectsBadValues() {
        assertThatThrownBy(() -> cfg(0, 0, 0.9, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learning_rate must be > 0, got 0.0");
        assertThatThrownBy(() -> cfg(-1e-4, 0, 0.9, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learning_rate must be > 0");
        assertThatThrownBy(() -> cfg(Double.NaN, 0, 0.9, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learning_rate must be > 0, got NaN");
        assertThatThrownBy(() -> cfg(1e-4, -0.01, 0.9, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_decay must be >= 0, got -0.01");
        assertThatThrownBy(() -> cfg(1e-4, 0, 1.0, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adam betas must be in [0, 1), got 1.0, 0.999");
        assertThatThrownBy(() -> cfg(1e-4, 0, -0.1, 0.999, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adam betas must be in [0, 1)");
        assertThatThrownBy(() -> cfg(1e-4, 0, 0.9, 1.0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adam betas must be in [0, 1), got 0.9, 1.0");
        assertThatThrownBy(() -> cfg(1e-4, 0, 0.9, 0.999, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmup_steps must be >= 0, got -1");
        assertThatThrownBy(() -> OptimizerConfig.defaults().withMaxGradNorm(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_grad_norm must be >= 0");
        assertThatThrownBy(() -> OptimizerConfig.defaults().withSchedule(null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schedule must be one of");
        // Boundaries that are allowed.
        assertThat(cfg(1e-4, 0, 0.0, 0.0, 0).beta1()).isZero();
    }

    @Test
    void optimizerDefaultsAreHuggingFaceTrainers() {
        OptimizerConfig d = OptimizerConfig.defaults();
        assertThat(d.beta1()).isEqualTo(0.9);
        assertThat(d.beta2()).isEqualTo(0.999);
        assertThat(d.epsilon()).isEqualTo(1e-8);
        assertThat(d.weightDecay()).isZero();
        assertThat(d.schedule()).isEqualTo(LrSchedule.LINEAR);
        assertThat(d.maxGradNorm()).isEqualTo(1.0);
        assertThat(d.withLearningRate(1e-3).learningRate()).isEqualTo(1e-3);
        assertThat(d.withSchedule(LrSchedule.COSINE, 5).warmupSteps()).isEqualTo(5);
    }

    // ---------------------------------------------------------------- ShardSampler

    @Test
    void rowsForRoundIsDeterministic() {
        assertThat(ShardSampler.rowsForRound(42, 1, 3, 17, 4))
                .containsExactly(ShardSampler.rowsForRound(42, 1, 3, 17, 4));
    }

    @Test
    void everyRowIsDrawnExactlyOncePerEpoch() {
        int[] r0 = ShardSampler.rowsForRound(42, 0, 0, 10, 5);
        int[] r1 = ShardSampler.rowsForRound(42, 0, 1, 10, 5);
        int[] epoch0 = concat(r0, r1);
        assertThat(epoch0).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        // The next epoch is again a permutation, but a different one.
        int[] epoch1 = concat(ShardSampler.rowsForRound(42, 0, 2, 10, 5), ShardSampler.rowsForRound(42, 0, 3, 10, 5));
        assertThat(epoch1).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(epoch1).isNotEqualTo(epoch0);
        // Not the identity order: it is shuffled.
        assertThat(epoch0).isNotEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }

    @Test
    void roundsStraddlingAnEpochBoundaryStillCoverEachEpoch() {
        // Shard of 7, 3 rows per round: positions 0..20 are exactly three epochs.
        int[] all = new int[0];
        for (int round = 0; round < 7; round++) {
            int[] rows = ShardSampler.rowsForRound(9, 2, round, 7, 3);
            assertThat(rows).hasSize(3);
            assertThat(Arrays.stream(rows).allMatch(i -> i >= 0 && i < 7)).isTrue();
            all = concat(all, rows);
        }
        for (int epoch = 0; epoch < 3; epoch++) {
            assertThat(Arrays.copyOfRange(all, 7 * epoch, 7 * epoch + 7)).as("epoch " + epoch)
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
        }
    }

    @Test
    void differentRoundsShardsAndSeedsDiffer() {
        int[] base = ShardSampler.rowsForRound(42, 0, 0, 1000, 8);
        assertThat(ShardSampler.rowsForRound(42, 0, 1, 1000, 8)).isNotEqualTo(base);
        assertThat(ShardSampler.rowsForRound(42, 1, 0, 1000, 8)).isNotEqualTo(base);
        assertThat(ShardSampler.rowsForRound(43, 0, 0, 1000, 8)).isNotEqualTo(base);
        // Within one epoch, consecutive rounds draw disjoint rows.
        Set<Integer> seen = new HashSet<>();
        for (int round = 0; round < 10; round++) {
            for (int row : ShardSampler.rowsForRound(42, 0, round, 1000, 8)) {
                assertThat(seen.add(row)).as("row %d drawn twice in epoch 0", row).isTrue();
            }
        }
    }

    @Test
    void emptyShardIsRejected() {
        assertThatThrownBy(() -> ShardSampler.rowsForRound(1, 3, 0, 0, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard 3 holds no rows");
    }

    @Test
    void shardOfIsRoundRobin() {
        int[] shards = new int[10];
        for (int i = 0; i < 10; i++) {
            shards[i] = ShardSampler.shardOf(i, 3);
        }
        assertThat(shards).containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2, 0);
        assertThat(ShardSampler.shardOf(10_000_000_001L, 4)).isEqualTo(1);
    }

    @Test
    void seedsMixIsOrderSensitiveAndDeterministic() {
        assertThat(Seeds.mix(1, 2, 3)).isEqualTo(Seeds.mix(1, 2, 3));
        assertThat(Seeds.mix(1, 2, 3)).isNotEqualTo(Seeds.mix(3, 2, 1));
        assertThat(Seeds.mix(0)).isNotEqualTo(Seeds.mix(0, 0));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
