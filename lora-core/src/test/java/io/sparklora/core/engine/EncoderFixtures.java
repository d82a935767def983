package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny encoder batches and adapters shared by the encoder engine tests. */
final class EncoderFixtures {
    static final int ROWS = 3;
    static final int SEQ = 7;

    private EncoderFixtures() {
    }

    static ModelConfig config(ModelFamily family, ProblemType problem) {
        List<String> labels = problem == ProblemType.REGRESSION ? List.of("score") : List.of("a", "b", "c");
        return family == ModelFamily.BERT ? TinyModels.bert(labels, problem) : TinyModels.roberta(labels, problem);
    }

    /**
     * Three rows: a sentence pair with token types (when the model has them), a row padded after 4 tokens and one
     * padded after 2; padding uses pad_token_id, as a tokenizer pads.
     */
    static SequenceBatch batch(ModelConfig c, long seed) {
        Random rng = new Random(seed);
        int n = ROWS * SEQ;
        int pad = c.encoderConfig().padTokenId();
        int[] tokens = new int[n];
        int[] types = new int[n];
        int[] mask = new int[n];
        int[] lengths = {SEQ, 4, 2};
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < SEQ; i++) {
                int k = r * SEQ + i;
                boolean real = i < lengths[r];
                int id;
                do {
                    id = rng.nextInt(TinyModels.VOCAB);
                } while (id == pad);
                tokens[k] = real ? id : pad;
                mask[k] = real ? 1 : 0;
                types[k] = r == 0 && i >= 4 && c.encoderConfig().typeVocabSize() > 1 ? 1 : 0;
            }
        }
        tokens[SEQ + 1] = tokens[2]; // a repeated id: its embedding row's gradient is a sum
        return new SequenceBatch(ROWS, SEQ, tokens, types, mask, labels(c, rng));
    }

    static double[] labels(ModelConfig c, Random rng) {
        int labels = c.encoderConfig().numLabels();
        return switch (c.encoderConfig().problemType()) {
            case SINGLE_LABEL -> new double[] {2, 0, 1};
            case REGRESSION -> new double[] {0.5, -1.25, 2.0};
            case MULTI_LABEL -> {
                double[] y = new double[ROWS * labels];
                for (int i = 0; i < y.length; i++) {
                    y[i] = rng.nextBoolean() ? 1 : 0;
                }
                yield y;
            }
        };
    }

    static LoraPlan allLinear(BaseModel base, double dropout) {
        return LoraPlan.of(new LoraConfig(2, 4, dropout, new TargetModules.AllLinear(), false, 5), base.layout());
    }

    /** Every trainable array random (B too, so A has a gradient), in float64. */
    static Map<String, INDArray> randomValues(SequenceClassifier model, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String name : model.trainableLayout().names()) {
            INDArray a = Nd4j.zeros(DataType.DOUBLE, model.trainableLayout().shape(name));
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, 0.3 * rng.nextGaussian());
            }
            values.put(name, a);
        }
        return values;
    }

    static double[][] rows(INDArray logits) {
        return logits.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    static double maxAbsDiff(double[][] a, double[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }
}
