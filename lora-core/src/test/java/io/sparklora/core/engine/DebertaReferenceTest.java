package io.sparklora.core.engine;

import io.sparklora.core.engine.DebertaFixtures.Shape;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

import static io.sparklora.core.engine.EncoderFixtures.maxAbsDiff;
import static io.sparklora.core.engine.EncoderFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DeBERTa engine against {@link HfDebertaReference}, a plain float64 transcription of transformers'
 * DebertaV2ForSequenceClassification with PEFT's LoRA, on padded rows and a sentence pair of 12 tokens (past the
 * log buckets' ±4 and the ±4 clamp of the tiny configs).
 */
class DebertaReferenceTest {
    private static EngineSpec float64() {
        return new EngineSpec(DebertaFixtures.SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void logitsMatchTheTransformersReferenceWithLoraActive(Shape shape) {
        ModelConfig config = DebertaFixtures.config(shape, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 31);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0.1); // dropout is off in a forward pass
        SequenceBatch batch = DebertaFixtures.batch(config, 4);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, float64())) {
            Map<String, INDArray> theta = EncoderFixtures.randomValues(model, 6);
            model.setTrainable(theta);
            double[][] actual = rows(model.logits(batch));
            double[][] expected = new HfDebertaReference(base, plan, theta).logits(batch);
            assertThat(maxAbsDiff(actual, expected)).as("max |engine − reference| of %s logits", shape).isLessThan(1e-9);

            // the adapters matter, or the comparison above would not exercise them
            Map<String, INDArray> noAdapter = new HashMap<>(theta);
            for (LoraModule m : plan.modules()) {
                noAdapter.put(m.bName(), theta.get(m.bName()).mul(0));
            }
            assertThat(maxAbsDiff(expected, new HfDebertaReference(base, plan, noAdapter).logits(batch))).isGreaterThan(1e-2);
        }
    }

    /** The production dtype: float32 arithmetic, within float32 rounding of the float64 reference. */
    @Test
    void float32LogitsMatchTheReferenceToRounding() {
        ModelConfig config = DebertaFixtures.config(Shape.V3, ProblemType.MULTI_LABEL);
        BaseModel base = TinyModels.random(config, 34);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0);
        SequenceBatch batch = DebertaFixtures.batch(config, 7);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, EngineSpec.inference(DebertaFixtures.SEQ))) {
            float[] theta = plan.initialParameters(base);
            for (int i = 0; i < theta.length; i++) {
                theta[i] += (float) (0.2 * Math.sin(i)); // B non-zero too
            }
            model.setTrainable(theta);
            Map<String, INDArray> named = model.trainableLayout().unflatten(theta);
            double[][] expected = new HfDebertaReference(base, plan, named).logits(batch);
            assertThat(maxAbsDiff(rows(model.logits(batch)), expected)).isLessThan(1e-5);
        }
    }

    /** A row alone, unpadded, gives the logits it gets padded in a batch: relative positions do not see padding. */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void paddingChangesNothing(Shape shape) {
        ModelConfig config = DebertaFixtures.config(shape, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 32);
        SequenceBatch padded = DebertaFixtures.batch(config, 5);
        int t = DebertaFixtures.SEQ;
        int[] ids = java.util.Arrays.copyOfRange(padded.tokens(), t, t + 9); // row 1's 9 real tokens
        int[] types = java.util.Arrays.copyOfRange(padded.tokenTypes(), t, t + 9);
        int[] mask = new int[9];
        java.util.Arrays.fill(mask, 1);
        SequenceBatch alone = SequenceBatch.unlabelled(1, 9, ids, types, mask);
        try (SequenceClassifier model = SequenceClassifier.build(base, null, float64())) {
            double[][] all = rows(model.logits(padded));
            double[][] one = rows(model.logits(alone));
            assertThat(maxAbsDiff(new double[][] {all[1]}, one)).isLessThan(1e-12);
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void zeroBGivesTheBaseModelsLogits(Shape shape) {
        ModelConfig config = DebertaFixtures.config(shape, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 33);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0);
        SequenceBatch batch = DebertaFixtures.batch(config, 6);
        try (SequenceClassifier adapted = SequenceClassifier.build(base, plan, float64());
             SequenceClassifier plain = SequenceClassifier.build(base, null, float64())) {
            float[] theta = plan.initialParameters(base); // A random, B = 0, the head as a new one is drawn
            adapted.setTrainable(theta);
            float[] head = new float[plain.trainableLayout().size()];
            for (String name : plain.trainableLayout().names()) {
                System.arraycopy(theta, plan.layout().offset(name), head, plain.trainableLayout().offset(name),
                        plain.trainableLayout().length(name));
            }
            plain.setTrainable(head);
            assertThat(rows(adapted.logits(batch))).isDeepEqualTo(rows(plain.logits(batch)));
        }
    }
}
