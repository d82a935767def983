package io.sparklora.core.train;

import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.ClassificationRow;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The single-JVM trainer drives a sequence classifier through the same round as a decoder ({@link RowEngine}):
 * two shards, micro-batches, the driver's AdamW on LoRA and the head. It learns a task the random base cannot do
 * (does the row hold token 7?), and the evaluation's metrics follow.
 */
class ClassifierTrainingTest {
    private static final int SEQ = 8;
    private static final int MARKER = 7;

    /** Rows of 3 to 7 real tokens, [CLS] first; odd rows hold the marker (label 1). */
    static List<ClassificationRow> markerTask(int rows, long seed) {
        Random rng = new Random(seed);
        List<ClassificationRow> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int length = 3 + rng.nextInt(SEQ - 3);
            int label = r % 2;
            int markerAt = 1 + rng.nextInt(length - 1);
            int[] ids = new int[length];
            ids[0] = 2;
            for (int i = 1; i < length; i++) {
                int id;
                do {
                    id = 1 + rng.nextInt(TinyModels.VOCAB - 1);
                } while (id == MARKER);
                ids[i] = label == 1 && i == markerAt ? MARKER : id;
            }
            out.add(new ClassificationRow(ids, new int[length], new double[] {label}));
        }
        return out;
    }

    @Test
    void batchesPadRowsOnTheRightAndCarryTheirLabels() {
        List<ClassificationRow> rows = List.of(new ClassificationRow(new int[] {2, 5}, new int[] {0, 0}, new double[] {1}),
                new ClassificationRow(new int[] {2, 6, 3}, new int[] {0, 1, 1}, new double[] {0}));
        SequenceBatch b = ClassificationRow.batch(rows, 4, 9, true);
        assertThat(b.tokens()).containsExactly(2, 5, 9, 9, 2, 6, 3, 9);
        assertThat(b.tokenTypes()).containsExactly(0, 0, 0, 0, 0, 1, 1, 0);
        assertThat(b.attentionMask()).containsExactly(1, 1, 0, 0, 1, 1, 1, 0);
        assertThat(b.labels()).containsExactly(1, 0);
        assertThat(ClassificationRow.batch(rows, 4, 9, false).labels()).isNull();
    }

    @Test
    void localTrainerLearnsTheMarkerTaskOnTwoShards() {
        ModelConfig config = TinyModels.bert(List.of("absent", "present"), ProblemType.SINGLE_LABEL);
        BaseModel base = TinyModels.random(config, 51);
        LoraPlan plan = LoraPlan.of(new LoraConfig(4, 8, 0, new TargetModules.Names(List.of("query", "value")), false, 3),
                base.layout());
        List<ClassificationRow> train = markerTask(32, 1);
        List<ClassificationRow> heldOut = markerTask(24, 2);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, EngineSpec.training(SEQ, TrainingMode.LORA))) {
            ClassifierRows engine = new ClassifierRows(model);
            float[] theta = plan.initialParameters(base);
            engine.setTrainable(theta);
            ClassificationEvaluation before = ClassificationEvaluation.of(engine, heldOut, 10);
            OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(1e-2);
            List<RoundMetrics> history = new LocalTrainer<>(engine, new BatchPlan(2, 16, 4, 7), opt)
                    .train(theta, train, 40, m -> { });
            ClassificationEvaluation after = ClassificationEvaluation.of(engine, heldOut, 10);

            Map<String, Double> m0 = before.metrics(ProblemType.SINGLE_LABEL, 2);
            Map<String, Double> m1 = after.metrics(ProblemType.SINGLE_LABEL, 2);
            assertThat(m1).containsOnlyKeys("loss", "accuracy", "macro_f1", "mcc");
            assertThat(before.count()).isEqualTo(24);
            assertThat(m0.get("accuracy")).as("a random base and head are near chance").isLessThanOrEqualTo(0.7);
            assertThat(m1.get("accuracy")).as("held-out accuracy after training").isGreaterThanOrEqualTo(0.8);
            assertThat(m1.get("mcc")).isGreaterThan(0.5);
            assertThat(m1.get("loss")).isLessThan(m0.get("loss"));
            assertThat(history.get(history.size() - 1).loss()).isLessThan(history.get(0).loss() / 3);
            // The evaluation's loss is the per-row mean cross-entropy, batched or not.
            assertThat(ClassificationEvaluation.of(engine, heldOut, 24).meanLoss()).isCloseTo(m1.get("loss"), within(1e-5));
            assertThat(after.confusion(2).correct()).isEqualTo(Math.round(m1.get("accuracy") * 24));
        }
    }
}
