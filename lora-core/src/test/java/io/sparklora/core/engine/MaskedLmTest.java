package io.sparklora.core.engine;

import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Masked-language pretraining (BertForMaskedLM): the loss equals a float64 transcription of transformers' model, and
 * the hand-written backward pass of the MLM head and the encoder under it equals central finite differences, on
 * padded rows with a sentence pair, a repeated target and a masked position whose input is another token.
 */
class MaskedLmTest {
    private static final double EPS = 1e-6;

    private static int[] targets(SequenceBatch batch) {
        int[] targets = new int[batch.tokens().length];
        java.util.Arrays.fill(targets, TokenBatch.IGNORE);
        int t = batch.seqLen();
        targets[1] = 5; // row 0: two positions, one of them the same target as row 1's
        targets[5] = batch.tokens()[5];
        targets[t + 2] = 5;
        targets[2 * t + 1] = 11;
        return targets;
    }

    private static Map<String, INDArray> randomized(MaskedLm model, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> theta = model.trainableArrays();
        for (Map.Entry<String, INDArray> e : theta.entrySet()) {
            INDArray a = e.getValue();
            for (long i = 0; i < a.length(); i++) { // the head starts with zero biases and unit norms: move them
                a.putScalar(i, a.getDouble(i) + 0.1 * rng.nextGaussian());
            }
        }
        return theta;
    }

    @Test
    void lossEqualsTransformersBertForMaskedLm() {
        ModelConfig config = TinyModels.bert();
        BaseModel base = TinyModels.random(config, 43);
        try (MaskedLm model = MaskedLm.build(base, spec(), 7)) {
            Map<String, INDArray> theta = randomized(model, 2);
            model.setTrainable(theta);
            SequenceBatch batch = EncoderFixtures.batch(config, 10);
            double reference = new HfEncoderReference(base, null, theta).maskedLmLossSum(batch, targets(batch));
            assertThat(model.lossSum(batch, targets(batch))).isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-10));
            try (StepOutput out = model.forwardBackward(batch, targets(batch))) {
                assertThat(out.lossSum()).isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-10));
                assertThat(out.tokens()).isEqualTo(4);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        ModelConfig config = EncoderFixtures.config(ModelFamily.BERT, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 44);
        try (MaskedLm model = MaskedLm.build(base, spec(), 8)) {
            assertThat(model.trainableLayout().names()).doesNotContain("bert.pooler.dense.weight")
                    .contains("cls.predictions.bias", "cls.predictions.transform.dense.weight");
            Map<String, INDArray> theta = randomized(model, 3);
            SequenceBatch batch = EncoderFixtures.batch(config, 11);
            int[] targets = targets(batch);
            model.setTrainable(theta);
            StepOutput analytic = model.forwardBackward(batch, targets);
            Random rng = new Random(1);
            List<String> names = new ArrayList<>(theta.keySet());
            // every tensor of the head and the tied word embeddings, then random others
            List<String> order = new ArrayList<>(names.stream().filter(n -> n.startsWith("cls.")).toList());
            order.add("bert.embeddings.word_embeddings.weight");
            for (int s = 0; s < 36; s++) {
                String name = s < order.size() ? order.get(s) : names.get(rng.nextInt(names.size()));
                INDArray p = theta.get(name);
                long i = name.endsWith("word_embeddings.weight") ? 5L * config.hiddenSize() + rng.nextInt(config.hiddenSize())
                        : rng.nextInt((int) p.length()); // row 5: a target and an input token
                double original = p.getDouble(i);
                p.putScalar(i, original + EPS);
                model.setTrainable(theta);
                double plus = model.lossSum(batch, targets);
                p.putScalar(i, original - EPS);
                model.setTrainable(theta);
                double minus = model.lossSum(batch, targets);
                p.putScalar(i, original);
                double numeric = (plus - minus) / (2 * EPS);
                double exact = analytic.gradients().get(name).getDouble(i);
                double err = Math.abs(numeric - exact) / Math.max(1e-3, Math.abs(numeric) + Math.abs(exact));
                assertThat(err).as("%s[%d]: analytic %s vs numeric %s", name, i, exact, numeric).isLessThan(1e-5);
            }
            analytic.close();
        }
    }

    private static EngineSpec spec() {
        return new EngineSpec(EncoderFixtures.SEQ, DataType.DOUBLE, TrainingMode.FULL, false, false);
    }
}
