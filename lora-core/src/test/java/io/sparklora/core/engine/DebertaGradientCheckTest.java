package io.sparklora.core.engine;

import io.sparklora.core.engine.DebertaFixtures.Shape;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
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
 * DeBERTa's hand-written backward pass against central finite differences of its own forward pass, in float64, on
 * padded rows of 12 tokens: LoRA on every linear map (dropout on; key_proj and query_proj also project the relative
 * embeddings) with the head, and full fine-tuning (relative embeddings and their norm, embeddings, norms, biases,
 * head), one shape with activation checkpointing.
 */
class DebertaGradientCheckTest {
    private static final double EPS = 1e-6;

    static Stream<Arguments> loraCases() {
        return Stream.of(Arguments.of(Shape.V3, ProblemType.SINGLE_LABEL), Arguments.of(Shape.V2, ProblemType.REGRESSION));
    }

    @ParameterizedTest
    @MethodSource("loraCases")
    void loraGradientsMatchFiniteDifferences(Shape shape, ProblemType problem) {
        ModelConfig config = DebertaFixtures.config(shape, problem);
        BaseModel base = TinyModels.random(config, 41);
        try (SequenceClassifier model = SequenceClassifier.build(base, EncoderFixtures.allLinear(base, 0.25),
                new EngineSpec(DebertaFixtures.SEQ, DataType.DOUBLE, TrainingMode.LORA, true, false))) {
            check(model, EncoderFixtures.randomValues(model, 3), DebertaFixtures.batch(config, 8), List.of("key_proj.lora",
                    "query_proj.lora"), 30);
        }
    }

    static Stream<Arguments> fullCases() {
        return Stream.of(Arguments.of(Shape.V3, ProblemType.MULTI_LABEL, true), Arguments.of(Shape.V2, ProblemType.SINGLE_LABEL, false));
    }

    @ParameterizedTest
    @MethodSource("fullCases")
    void fullFineTuningGradientsMatchFiniteDifferences(Shape shape, ProblemType problem, boolean checkpointing) {
        ModelConfig config = DebertaFixtures.config(shape, problem);
        BaseModel base = TinyModels.random(config, 42);
        try (SequenceClassifier model = SequenceClassifier.build(base, null,
                new EngineSpec(DebertaFixtures.SEQ, DataType.DOUBLE, TrainingMode.FULL, false, checkpointing))) {
            check(model, model.trainableArrays(), DebertaFixtures.batch(config, 9), List.of("rel_embeddings",
                    "encoder.LayerNorm", "embeddings.", "key_proj", "query_proj"), 40);
        }
    }

    /** Every head tensor and one entry of each tensor whose name contains a {@code mustCover} part, then random others. */
    private static void check(SequenceClassifier model, Map<String, INDArray> theta, SequenceBatch batch,
                              List<String> mustCover, int samples) {
        long dropoutSeed = 99;
        model.setTrainable(theta);
        StepOutput analytic = model.forwardBackward(batch, dropoutSeed);
        Random rng = new Random(1);
        List<String> names = new ArrayList<>(theta.keySet());
        List<String> order = new ArrayList<>(names.stream()
                .filter(n -> n.startsWith("classifier") || n.startsWith("pooler")).toList());
        for (String part : mustCover) {
            names.stream().filter(n -> n.contains(part)).forEach(order::add);
        }
        assertThat(order).as("the tensors the check must cover exist").hasSizeGreaterThan(4 + mustCover.size() - 1);
        int total = Math.max(samples, order.size());
        for (int s = 0; s < total; s++) {
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
