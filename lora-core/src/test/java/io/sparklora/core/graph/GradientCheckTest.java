package io.sparklora.core.graph;

import io.sparklora.core.engine.StepOutput;

import io.sparklora.core.engine.TokenBatch;

import io.sparklora.core.engine.TrainingMode;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Central finite differences in float64 against SameDiff's gradients of the summed token loss. */
class GradientCheckTest {
    private static final double EPS = 1e-6;
    private static final int SEQ = 6;

    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    private static TokenBatch batch() {
        Random rng = new Random(7);
        int rows = 2;
        int[] tokens = new int[rows * SEQ];
        int[] targets = new int[rows * SEQ];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(TinyModels.VOCAB);
            targets[i] = i % 5 == 0 ? TokenBatch.IGNORE : rng.nextInt(TinyModels.VOCAB); // some masked positions
        }
        return new TokenBatch(rows, SEQ, tokens, targets);
    }

    @ParameterizedTest
    @MethodSource("families")
    void loraGradientsMatchFiniteDifferences(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 11);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0.25, new TargetModules.AllLinear(), false, 5), base.layout());
        CausalLmGraph graph = CausalLmGraph.build(base, plan, new GraphSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, true));
        Map<String, INDArray> theta = randomValues(graph, 3);
        check(graph, theta, 40);
    }

    @ParameterizedTest
    @MethodSource("families")
    void fullFineTuningGradientsMatchFiniteDifferences(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 12);
        CausalLmGraph graph = CausalLmGraph.build(base, null, new GraphSpec(SEQ, DataType.DOUBLE, TrainingMode.FULL, false));
        Map<String, INDArray> theta = new LinkedHashMap<>();
        graph.trainableArrays().forEach((k, v) -> theta.put(k, v.castTo(DataType.DOUBLE)));
        check(graph, theta, 40);
    }

    private static Map<String, INDArray> randomValues(CausalLmGraph graph, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String name : graph.trainableLayout().names()) {
            long[] shape = graph.trainableLayout().shape(name);
            INDArray a = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, shape);
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, 0.3 * rng.nextGaussian()); // B non-zero so A gets a gradient too
            }
            values.put(name, a);
        }
        return values;
    }

    private static void check(CausalLmGraph graph, Map<String, INDArray> theta, int samples) {
        TokenBatch batch = batch();
        long dropoutSeed = 99;
        graph.setTrainable(theta);
        StepOutput analytic = graph.forwardBackward(batch, dropoutSeed);
        Random rng = new Random(1);
        List<String> names = new ArrayList<>(theta.keySet());
        double worst = 0;
        for (int s = 0; s < samples; s++) {
            String name = names.get(rng.nextInt(names.size()));
            INDArray p = theta.get(name);
            long i = rng.nextInt((int) p.length());
            double original = p.getDouble(i);
            p.putScalar(i, original + EPS);
            graph.setTrainable(theta);
            double plus = graph.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original - EPS);
            graph.setTrainable(theta);
            double minus = graph.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS);
            double exact = analytic.gradients().get(name).getDouble(i);
            double err = Math.abs(numeric - exact) / Math.max(1e-3, Math.abs(numeric) + Math.abs(exact));
            worst = Math.max(worst, err);
            assertThat(err).as("%s[%d]: analytic %s vs numeric %s", name, i, exact, numeric).isLessThan(1e-5);
        }
        assertThat(worst).isLessThan(1e-5);
        graph.setTrainable(theta);
    }
}
