package io.sparklora.jobs.score;

import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.SentencePairEncoder;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.train.ClassificationEvaluation;
import io.sparklora.core.train.ClassifierRows;
import io.sparklora.jobs.data.ClassificationSpec;
import io.sparklora.jobs.data.ExecutorTokenizers;
import io.sparklora.jobs.train.DeviceBinding;
import io.sparklora.jobs.train.EngineKey;
import io.sparklora.jobs.train.ExecutorModels;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores rows with a sequence classifier (an encoder with an adapter and its head, or a merged checkpoint that holds
 * its head): each row's text (and the second text of a pair) becomes the row the trainer builds, cut to
 * {@code seqLen} as "longest_first" does, and gets its predicted class and the class probabilities (softmax), for
 * multi-label its predicted label set and each label's probability (sigmoid), or for regression its predicted value.
 *
 * @param textPairColumn     null for single texts
 * @param adapterUri         null without an adapter (the model's own head)
 * @param adapterFingerprint the base fingerprint the adapter records ("" when none): the executors refuse another base
 */
public record ClassifierScorer(String modelUri, String tokenizerUri, String adapterUri, LoraConfig lora, float[] theta,
                               String adapterFingerprint, String textColumn, String textPairColumn,
                               ClassificationSpec task, int seqLen, int batchRows) implements RowScorer {
    public static final String PREDICTED_LABEL = "predicted_label";
    public static final String PREDICTED_ID = "predicted_id";
    public static final String PROBABILITIES = "probabilities";
    public static final String PREDICTION = "prediction";
    /** Multi-label: the labels whose probability is at least {@link ClassificationEvaluation#MULTI_LABEL_THRESHOLD}. */
    public static final String PREDICTED_LABELS = "predicted_labels";
    public static final String PREDICTED_IDS = "predicted_ids";
    public static final String TRUNCATED = "truncated";

    public ClassifierScorer {
        if ((lora == null) != (adapterUri == null)) {
            throw new IllegalArgumentException("an adapter needs its LoRA configuration and θ");
        }
    }

    EngineKey engineKey() {
        return new EngineKey(modelUri, lora, seqLen, TrainingMode.LORA, false, false, task);
    }

    @Override
    public List<String> inputColumns() {
        return textPairColumn == null ? List.of(textColumn) : List.of(textColumn, textPairColumn);
    }

    @Override
    public List<StructField> outputFields() {
        if (task.regression()) {
            return List.of(DataTypes.createStructField(PREDICTION, DataTypes.DoubleType, true),
                    DataTypes.createStructField(TRUNCATED, DataTypes.BooleanType, true));
        }
        if (task.multiLabel()) {
            return List.of(DataTypes.createStructField(PREDICTED_LABELS, DataTypes.createArrayType(DataTypes.StringType,
                            false), true),
                    DataTypes.createStructField(PREDICTED_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), true),
                    DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false), true),
                    DataTypes.createStructField(TRUNCATED, DataTypes.BooleanType, true));
        }
        return List.of(DataTypes.createStructField(PREDICTED_LABEL, DataTypes.StringType, true),
                DataTypes.createStructField(PREDICTED_ID, DataTypes.IntegerType, true),
                DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false), true),
                DataTypes.createStructField(TRUNCATED, DataTypes.BooleanType, true));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "sequence_classifier");
        m.put("problem_type", task.problem().hfName());
        m.put("labels", task.labels());
        m.put("text_column", textColumn);
        if (textPairColumn != null) {
            m.put("text_pair_column", textPairColumn);
        }
        m.put("max_seq_len", seqLen);
        m.put("batch_rows", batchRows);
        return m;
    }

    @Override
    public Session open(Configuration hadoop) {
        DeviceBinding.bindCurrentTask();
        TextTokenizer tokenizer = ExecutorTokenizers.get(tokenizerUri, hadoop);
        EngineKey key = engineKey();
        SequenceClassifier model = ExecutorModels.borrowClassifier(key, hadoop);
        try {
            RowScorer.checkAdapterFits(adapterFingerprint, model.base().fingerprint(), adapterUri, modelUri);
            if (lora != null) {
                model.setTrainable(theta);
            } else if (!model.base().hasHead()) {
                throw new ScoreException("the model in " + modelUri + " holds no classification head for the labels "
                        + task.labels() + "; give --adapter (the trained adapter with its head), or a merged model");
            }
        } catch (RuntimeException e) {
            ExecutorModels.giveBackClassifier(key, model);
            throw e;
        }
        return new ClassifierSession(this, key, model,
                new SentencePairEncoder(tokenizer, task.family(), task.padTokenId()));
    }

    /** One task's rows, scored with a classifier borrowed from the executor's pool. */
    private static final class ClassifierSession implements Session {
        private final ClassifierScorer spec;
        private final EngineKey key;
        private final SequenceClassifier model;
        private final SentencePairEncoder pairs;
        private boolean closed;

        ClassifierSession(ClassifierScorer spec, EngineKey key, SequenceClassifier model, SentencePairEncoder pairs) {
            this.spec = spec;
            this.key = key;
            this.model = model;
            this.pairs = pairs;
        }

        @Override
        public List<Scored> score(List<String[]> inputs) {
            Scored[] out = new Scored[inputs.size()];
            List<ClassificationRow> rows = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            List<Boolean> truncated = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String[] in = inputs.get(i);
                String text = in[0];
                String pair = spec.textPairColumn == null ? null : in[1];
                if (text == null || text.isBlank()) {
                    out[i] = Scored.failed("empty text in " + spec.textColumn);
                    continue;
                }
                if (spec.textPairColumn != null && (pair == null || pair.isBlank())) {
                    out[i] = Scored.failed("empty text in " + spec.textPairColumn);
                    continue;
                }
                SentencePairEncoder.Encoded whole = pairs.encode(text, pair, Integer.MAX_VALUE);
                SentencePairEncoder.Encoded cut = pairs.encode(text, pair, spec.seqLen);
                rows.add(ClassificationRow.of(cut, new double[] {0})); // unlabelled: the batch drops it
                at.add(i);
                truncated.add(whole.length() > cut.length());
            }
            if (!rows.isEmpty()) {
                double[][] p = new ClassifierRows(model).predictions(rows);
                for (int k = 0; k < rows.size(); k++) {
                    out[at.get(k)] = result(p[k], truncated.get(k));
                }
            }
            return Arrays.asList(out);
        }

        private Scored result(double[] p, boolean truncated) {
            if (spec.task.regression()) {
                return Scored.of(p[0], truncated);
            }
            if (spec.task.multiLabel()) {
                List<Integer> ids = new ArrayList<>();
                for (int j = 0; j < p.length; j++) {
                    if (p[j] >= ClassificationEvaluation.MULTI_LABEL_THRESHOLD) {
                        ids.add(j);
                    }
                }
                return Scored.of(ids.stream().map(spec.task.labels()::get).toArray(String[]::new),
                        ids.stream().mapToInt(Integer::intValue).toArray(), p.clone(), truncated);
            }
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            // a double[] is the array column's external form for createDataFrame (a java.util.List is not)
            return Scored.of(spec.task.labels().get(best), best, p.clone(), truncated);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ExecutorModels.giveBackClassifier(key, model);
            }
        }
    }
}
