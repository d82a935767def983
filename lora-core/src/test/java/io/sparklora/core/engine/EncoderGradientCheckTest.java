package io.sparklora.core.engine;

import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The encoder's hand-written backward pass against central finite differences of its own forward pass, in float64,
 * on padded rows: BERT and RoBERTa, each problem type, LoRA on every linear map (dropout on) with the head, and full
 * fine-tuning (embeddings, norms, biases, head) with activation checkpointing.
 */
class EncoderGradientCheckTest {
    private static final double EPS = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (ModelFamily family : new ModelFamily[] {ModelFamily.BERT, ModelFamily.ROBERTA}) {
            for (ProblemType problem : ProblemType.values()) {
                all.add(Arguments.of(family, problem));
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void loraGradientsMatchFiniteDifferences(ModelFamily family, ProblemType problem) {
        ModelConfig config = EncoderFixtures.config(family, problem);
        BaseModel base = TinyModels.random(config, 41);
        try (SequenceClassifier model = SequenceClassifier.build(base, EncoderFixtures.allLinear(base, 0.25),
                new EngineSpec(EncoderFixtures.SEQ, DataType.DOUBLE, TrainingMode.LORA, true, false))) {
            check(model, EncoderFixtures.randomValues(model, 3), EncoderFixtures.batch(config, 8), 30);
        }
    }

    /** The loss types are the same code in both modes: full fine-tuning is checked on two of the six cases. */
    static Stream<Arguments> fullCases() {
        return Stream.of(Arguments.of(ModelFamily.BERT, ProblemType.SINGLE_LABEL, true),
                Arguments.of(ModelFamily.ROBERTA, ProblemType.REGRESSION, false));
    }

    @ParameterizedTest
    @MethodSource("fullCases")
    void fullFineTuningGradientsMatchFiniteDifferences(ModelFamily family, ProblemType problem, boolean checkpointing) {
        ModelConfig config = EncoderFixtures.config(family, problem);
        BaseModel base = TinyModels.random(config, 42);
        try (SequenceClassifier model = SequenceClassifier.build(base, null,
                new EngineSpec(EncoderFixtures.SEQ, DataType.DOUBLE, TrainingMode.FULL, false, checkpointing))) {
            check(model, model.trainableArrays(), EncoderFixtures.batch(config, 9), 30);
        }
    }

    private static void check(SequenceClassifier model, Map<String, INDArray> theta, SequenceBatch batch, int samples) {
        long dropoutSeed = 99;
        model.setTrainable(theta);
        StepOutput analytic = model.forwardBackward(batch, dropoutSeed);
        assertThat(analytic.tokens()).isEqualTo(model.lossCount(batch.rows()));
        Random rng = new Random(1);
        List<String> names = new ArrayList<>(theta.keySet());
        // every head tensor, then random others
        List<String> order = new ArrayList<>(names.stream().filter(n -> n.startsWith("classifier")).toList());
        for (int s = 0; s < samples; s++) {
            String name = s < order.size() ? order.get(s) : names.get(rng.nextInt(names.size()));
            INDArray p = theta.get(name);
            long i = rng.nextInt((int) p.length());
            double original = p.getDouble(i);
            p.putScalar(i, original + EPS);
            model.setTrainable(theta);
            double plus = model.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original - EPS);
            model.setTrainable(theta);
            double minus = model.forwardBackward(batch, dropoutSeed).lossSum();
            p.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS);
            double exact = analytic.gradients().get(name).getDouble(i);
            double err = Math.abs(numeric - exact) / Math.max(1e-3, Math.abs(numeric) + Math.abs(exact));
            assertThat(err).as("%s[%d]: analytic %s vs numeric %s", name, i, exact, numeric).isLessThan(1e-5);
        }
        model.setTrainable(theta);
    }
}
