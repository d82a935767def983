package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.train.AdamW;
import io.sparklora.core.train.OptimizerConfig;
import io.sparklora.core.model.ModelFamily;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API a trainer drives, end to end in float32: LoRA on query/value (BERT) or query_proj/value_proj
 * (DeBERTa-v3) plus the head, AdamW on θ, learns a task the random base cannot do (does the row contain token 7?)
 * on padded rows of varying length.
 */
class EncoderTrainingTest {
    private static final int ROWS = 48;
    private static final int SEQ = 8;
    private static final int MARKER = 7;

    private static SequenceBatch task(long seed) {
        Random rng = new Random(seed);
        int[] ids = new int[ROWS * SEQ];
        int[] mask = new int[ROWS * SEQ];
        double[] labels = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            int length = 3 + rng.nextInt(SEQ - 2); // [CLS] and 2 … 6 more tokens, then padding
            labels[r] = r % 2;
            int markerAt = 1 + rng.nextInt(length - 1);
            for (int i = 0; i < length; i++) {
                int id;
                do {
                    id = 1 + rng.nextInt(TinyModels.VOCAB - 1);
                } while (id == MARKER);
                ids[r * SEQ + i] = i == 0 ? 2 : (labels[r] == 1 && i == markerAt ? MARKER : id);
                mask[r * SEQ + i] = 1;
            }
        }
        return new SequenceBatch(ROWS, SEQ, ids, new int[ROWS * SEQ], mask, labels);
    }

    private static double accuracy(SequenceClassifier model, SequenceBatch batch) {
        double[][] p = model.predictions(batch);
        int right = 0;
        for (int r = 0; r < p.length; r++) {
            right += (p[r][1] > p[r][0] ? 1 : 0) == (int) batch.labels()[r] ? 1 : 0;
        }
        return right / (double) p.length;
    }

    @ParameterizedTest
    @EnumSource(value = ModelFamily.class, names = {"BERT", "DEBERTA_V2"})
    void loraAndHeadLearnATaskTheBaseCannotDo(ModelFamily family) {
        List<String> labels = List.of("absent", "present");
        boolean bert = family == ModelFamily.BERT;
        ModelConfig config = bert ? TinyModels.bert(labels, ProblemType.SINGLE_LABEL)
                : TinyModels.debertaV3(labels, ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 51);
        List<String> targets = bert ? List.of("query", "value") : List.of("query_proj", "value_proj");
        LoraPlan plan = LoraPlan.of(new LoraConfig(4, 8, 0, new TargetModules.Names(targets), false, 3), base.layout());
        SequenceBatch train = task(1);
        SequenceBatch heldOut = task(2);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, EngineSpec.training(SEQ, TrainingMode.LORA))) {
            float[] theta = plan.initialParameters(base);
            model.setTrainable(theta);
            double before = model.lossSum(train) / model.lossCount(ROWS);
            double heldOutBefore = accuracy(model, heldOut);
            AdamW adam = new AdamW(OptimizerConfig.defaults(), theta.length);
            for (int step = 0; step < 50; step++) {
                try (StepOutput out = model.forwardBackward(train, step)) {
                    float[] g = out.flatGradient(model.trainableLayout());
                    for (int i = 0; i < g.length; i++) {
                        g[i] /= out.tokens(); // the mean loss's gradient
                    }
                    adam.step(theta, g, 1e-2);
                }
                model.setTrainable(theta);
            }
            double after = model.lossSum(train) / model.lossCount(ROWS);
            assertThat(heldOutBefore).as("the base and a new head are at chance").isLessThanOrEqualTo(0.7);
            assertThat(after).as("mean loss before %.4f, after", before).isLessThan(before / 3);
            assertThat(accuracy(model, train)).isGreaterThanOrEqualTo(0.95);
            assertThat(accuracy(model, heldOut)).isGreaterThanOrEqualTo(0.8);
        }
    }
}
