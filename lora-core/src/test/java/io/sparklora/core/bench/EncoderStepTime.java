package io.sparklora.core.bench;

import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.EncoderConfig;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.model.ProblemType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Median time of one LoRA training step (forward + backward, float32) and of one scoring forward of a RoBERTa-base
 * shaped classifier (hidden 768, 12 layers, 12 heads, vocabulary 50265), r = 8 on query and value plus the head,
 * 8 rows x 128 tokens; 1 warm-up and 3 timed steps, then where one step's time goes (StepProfiler). With the argument
 * {@code deberta-v3}, a DeBERTa-v3-base shaped one instead (vocabulary 128100, 256 position buckets, c2p and p2c),
 * r = 8 on query_proj and value_proj:
 * <pre>
 * mvn -q -pl lora-core test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx6g -cp %classpath io.sparklora.core.bench.EncoderStepTime [deberta-v3]"
 * </pre>
 */
public final class EncoderStepTime {
    private EncoderStepTime() {
    }

    public static void main(String[] args) {
        io.sparklora.core.backend.CpuBuild.select();
        boolean deberta = args.length > 0 && args[0].equals("deberta-v3");
        List<String> labelNames = List.of("negative", "positive");
        ModelConfig c = deberta
                ? ModelConfig.encoder(ModelFamily.DEBERTA_V2, "deberta-v2", 128100, 768, 12, 12, 3072, 512, 1e-7,
                new EncoderConfig(0, 0, labelNames, ProblemType.SINGLE_LABEL, 0.02,
                        new io.sparklora.core.model.DebertaSettings(false, 256, 512, true, true, true, true)))
                : ModelConfig.encoder(ModelFamily.ROBERTA, "roberta", 50265, 768, 12, 12, 3072, 514, 1e-5,
                new EncoderConfig(1, 1, labelNames, ProblemType.SINGLE_LABEL, 0.02));
        int pad = c.encoderConfig().padTokenId();
        Map<String, INDArray> weights = new LinkedHashMap<>();
        Nd4j.getRandom().setSeed(1);
        for (Map.Entry<String, long[]> e : ModelLayout.of(c).parameterShapes().entrySet()) {
            weights.put(e.getKey(), Nd4j.randn(DataType.FLOAT, e.getValue()).muli(0.02));
        }
        BaseModel base = BaseModel.of(c, weights);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        int rows = 8;
        int seq = 128;
        Random rng = new Random(1);
        int[] ids = new int[rows * seq];
        int[] mask = new int[rows * seq];
        double[] labels = new double[rows];
        for (int r = 0; r < rows; r++) {
            int length = seq / 2 + rng.nextInt(seq / 2 + 1);
            for (int i = 0; i < seq; i++) {
                ids[r * seq + i] = i < length ? 3 + rng.nextInt(c.vocabSize() - 3) : pad;
                mask[r * seq + i] = i < length ? 1 : 0;
            }
            labels[r] = r % 2;
        }
        SequenceBatch batch = new SequenceBatch(rows, seq, ids, new int[rows * seq], mask, labels);
        try (SequenceClassifier model = SequenceClassifier.build(base, plan, EngineSpec.training(seq, TrainingMode.LORA))) {
            model.setTrainable(plan.initialParameters(base));
            double[] step = new double[3];
            double[] forward = new double[3];
            for (int i = 0; i < 4; i++) {
                long t0 = System.nanoTime();
                model.forwardBackward(batch, i).close();
                long t1 = System.nanoTime();
                model.predictions(batch);
                long t2 = System.nanoTime();
                if (i >= 1) {
                    step[i - 1] = (t1 - t0) / 1e9;
                    forward[i - 1] = (t2 - t1) / 1e9;
                }
            }
            Arrays.sort(step);
            Arrays.sort(forward);
            System.out.printf("%s shape, %d x %d tokens: LoRA step %.2f s (median of 3), scoring forward %.2f s, "
                    + "%d trainable values, working set %d MiB%n", deberta ? "deberta-v3-base" : "roberta-base", rows, seq, step[1], forward[1],
                    model.trainableLayout().size(), model.workingSetBytes() >> 20);
            io.sparklora.core.engine.StepProfiler.start();
            model.forwardBackward(batch, 9).close();
            io.sparklora.core.engine.StepProfiler.stop().forEach((part, nanos) ->
                    System.out.printf("  %-10s %6.2f s (gemm %6.2f s)%n", part, nanos[0] / 1e9, nanos[1] / 1e9));
        }
    }
}
