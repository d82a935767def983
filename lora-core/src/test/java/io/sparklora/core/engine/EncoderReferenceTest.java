package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static io.sparklora.core.engine.EncoderFixtures.maxAbsDiff;
import static io.sparklora.core.engine.EncoderFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The encoder engine against {@link HfEncoderReference}, a plain float64 transcription of Hugging Face's BERT and
 * RoBERTa sequence classifiers with PEFT's LoRA, on padded rows and a sentence pair.
 */
class EncoderReferenceTest {

    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void logitsMatchTheHuggingFaceReferenceWithLoraActive(ModelFamily family) {
        ModelConfig config = EncoderFixtures.config(family, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 31);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0.1); // dropout is off in a forward pass
        SequenceBatch batch = EncoderFixtures.batch(config, 4);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan,
                new EngineSpec(EncoderFixtures.SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false))) {
            Map<String, INDArray> theta = EncoderFixtures.randomValues(model, 6);
            model.setTrainable(theta);
            double[][] actual = rows(model.logits(batch));
            double[][] expected = new HfEncoderReference(base, plan, theta).logits(batch);
            assertThat(maxAbsDiff(actual, expected)).as("max |engine − reference| of %s logits", family).isLessThan(1e-9);

            // the adapters matter, or the comparison above would not exercise them
            Map<String, INDArray> noAdapter = new java.util.HashMap<>(theta);
            for (LoraModule m : plan.modules()) {
                noAdapter.put(m.bName(), theta.get(m.bName()).mul(0));
            }
            assertThat(maxAbsDiff(expected, new HfEncoderReference(base, plan, noAdapter).logits(batch))).isGreaterThan(1e-2);
        }
    }

    /** The production dtype: float32 arithmetic, within float32 rounding of the float64 reference. */
    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void float32LogitsMatchTheReferenceToRounding(ModelFamily family) {
        ModelConfig config = EncoderFixtures.config(family, ProblemType.MULTI_LABEL);
        BaseModel base = TinyModels.random(config, 34);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0);
        SequenceBatch batch = EncoderFixtures.batch(config, 7);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, EngineSpec.inference(EncoderFixtures.SEQ))) {
            float[] theta = plan.initialParameters(base);
            for (int i = 0; i < theta.length; i++) {
                theta[i] += (float) (0.2 * Math.sin(i)); // B non-zero too
            }
            model.setTrainable(theta);
            Map<String, INDArray> named = model.trainableLayout().unflatten(theta);
            double[][] expected = new HfEncoderReference(base, plan, named).logits(batch);
            assertThat(maxAbsDiff(rows(model.logits(batch)), expected)).isLessThan(1e-5);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void paddingChangesNothing(ModelFamily family) {
        ModelConfig config = EncoderFixtures.config(family, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 32);
        SequenceBatch padded = EncoderFixtures.batch(config, 5);
        int t = EncoderFixtures.SEQ;
        // row 1 alone, cut to its 4 real tokens
        int[] ids = java.util.Arrays.copyOfRange(padded.tokens(), t, t + 4);
        int[] types = java.util.Arrays.copyOfRange(padded.tokenTypes(), t, t + 4);
        SequenceBatch alone = SequenceBatch.unlabelled(1, 4, ids, types, new int[] {1, 1, 1, 1});
        try (SequenceClassifier model = SequenceClassifier.build(base, null,
                new EngineSpec(t, DataType.DOUBLE, TrainingMode.LORA, false, false))) {
            double[][] all = rows(model.logits(padded));
            double[][] one = rows(model.logits(alone));
            assertThat(maxAbsDiff(new double[][] {all[1]}, one)).isLessThan(1e-12);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "ROBERTA"})
    void zeroBGivesTheBaseModelsLogits(ModelFamily family) {
        ModelConfig config = EncoderFixtures.config(family, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 33);
        LoraPlan plan = EncoderFixtures.allLinear(base, 0);
        SequenceBatch batch = EncoderFixtures.batch(config, 6);
        EngineSpec spec = new EngineSpec(EncoderFixtures.SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false);
        try (SequenceClassifier adapted = SequenceClassifier.build(base, plan, spec);
             SequenceClassifier plain = SequenceClassifier.build(base, null, spec)) {
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
