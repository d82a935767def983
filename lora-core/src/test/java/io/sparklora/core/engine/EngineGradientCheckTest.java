package io.sparklora.core.engine;

import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.RopeScaling;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's hand-written backward pass against central finite differences of its own forward pass, in float64:
 * both families, LoRA (with dropout) and full fine-tuning (biases included), with and without activation
 * checkpointing.
 */
class EngineGradientCheckTest {
    private static final double EPS = 1e-6;
    static final int SEQ = 6;

    static Stream<ModelConfig> families() {
        // the last: head_dim wider than hidden / heads, biases on every projection, llama3 rotary scaling
        return Stream.of(TinyModels.gpt2(), TinyModels.llama(),
                TinyModels.llamaWideHeadsWithBiases().withRopeScaling(RopeScaling.llama3(8, 1, 4, 64)));
    }

    static TokenBatch batch() {
        Random rng = new Random(7);
        int rows = 2;
        int[] tokens = new int[rows * SEQ];
        int[] targets = new int[rows * SEQ];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(TinyModels.VOCAB);
            targets[i] = i % 5 == 0 ? TokenBatch.IGNORE : rng.nextInt(TinyModels.VOCAB); // some masked positions
        }
        tokens[3] = tokens[7]; // a repeated id: its embedding row's gradient is a sum
        return new TokenBatch(rows, SEQ, tokens, targets);
    }

    static LoraPlan allLinear(BaseModel base, double dropout) {
        return LoraPlan.of(new LoraConfig(2, 4, dropout, new TargetModules.AllLinear(), false, 5), base.layout());
    }

    @ParameterizedTest
    @MethodSource("families")
    void loraGradientsMatchFiniteDifferences(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 11);
        for (boolean checkpointing : new boolean[] {false, true}) {
            CausalLm lm = CausalLm.build(base, allLinear(base, 0.25),
                    new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, true, checkpointing));
            check(lm, randomValues(lm, 3), 40);
        }
    }

    /** The family's default targets: attention's inputs only, so attention's backward runs without its output. */
    static LoraPlan defaultTargets(BaseModel base) {
        return LoraPlan.of(new LoraConfig(2, 4, 0.0, TargetModules.defaultsFor(base.config().family()), false, 5),
                base.layout());
    }

    @ParameterizedTest
    @MethodSource("families")
    void loraOnDefaultTargetsGradientsMatchFiniteDifferences(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 13);
        CausalLm lm = CausalLm.build(base, defaultTargets(base),
                new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false));
        check(lm, randomValues(lm, 4), 30);
    }

    @ParameterizedTest
    @MethodSource("families")
    void fullFineTuningGradientsMatchFiniteDifferences(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 12);
        for (boolean checkpointing : new boolean[] {false, true}) {
            CausalLm lm = CausalLm.build(base, null, new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.FULL, false, checkpointing));
            check(lm, lm.trainableArrays(), 60);
        }
    }

    static Map<String, INDArray> randomValues(CausalLm lm, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String name : lm.trainableLayout().names()) {
            INDArray a = Nd4j.zeros(DataType.DOUBLE, lm.trainableLayout().shape(name));
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, 0.3 * rng.nextGaussian()); // B non-zero so A gets a gradient too
            }
            values.put(name, a);
        }
        return values;
    }

    private static void check(CausalLm lm, Map<String, INDArray> theta, int samples) {
        TokenBatch batch = batch();
        long dropoutSeed = 99;
        lm.setTrainable(theta);
        StepOutput analytic = lm.forwardBackward(batch, dropoutSeed);
        Random rng = new Random(1);
        List<String> names = new ArrayList<>(theta.keySet());
        for (int s = 0; s < samples; s++) {
            String name = names.get(rng.nextInt(names.size()));
            INDArray p = theta.get(name);
            long i = rng.nextInt((int) p.length());
            double original = p.getDouble(i);
            p.putScalar(i, original + EPS);
            lm.setTrainable(theta);
            double plus = lm.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original - EPS);
            lm.setTrainable(theta);
            double minus = lm.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS);
            double exact = analytic.gradients().get(name).getDouble(i);
            double err = Math.abs(numeric - exact) / Math.max(1e-3, Math.abs(numeric) + Math.abs(exact));
            assertThat(err).as("%s[%d]: analytic %s vs numeric %s", name, i, exact, numeric).isLessThan(1e-5);
        }
        lm.setTrainable(theta);
    }
}
