package io.sparklora.jobs.score;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.infer.EngineNextTokenModel;
import io.sparklora.core.infer.Generator;
import io.sparklora.core.infer.SamplingConfig;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowPacker;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.Batches;
import io.sparklora.jobs.data.ExecutorTokenizers;
import io.sparklora.jobs.train.DeviceBinding;
import io.sparklora.jobs.train.EngineKey;
import io.sparklora.jobs.train.ExecutorModels;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores rows with a causal LM (a base model with an adapter, or a merged model): each row's loss over its
 * completion tokens as the trainer counts them (BOS and prompt tokens out of the loss, completion tokens and EOS in,
 * when the tokenizer has BOS/EOS; one example per row of {@code seqLen} tokens, as {@code data.packing: false}), and
 * optionally a greedy completion of its prompt (of its text, for plain-text rows).
 *
 * @param promptColumn       null for plain text read from {@code textColumn}; else prompt/completion pairs
 * @param adapterUri         null without an adapter (the model alone, e.g. a merged checkpoint)
 * @param adapterFingerprint the base fingerprint the adapter records ("" when it records none): the executors refuse
 *                           a model with another
 * @param truncateLong       cut a row longer than seqLen + 1 tokens (as data.long_rows: truncate), else reject it
 * @param generateTokens     most tokens of the greedy completion; 0 for none
 */
public record DecoderScorer(String modelUri, String tokenizerUri, String adapterUri, LoraConfig lora, float[] theta,
                            String adapterFingerprint, String textColumn, String promptColumn, String completionColumn,
                            int seqLen, boolean truncateLong, int batchRows, int generateTokens) implements RowScorer {
    public static final String LOSS_SUM = "loss_sum";
    public static final String LOSS_MEAN = "loss_mean";
    public static final String LOSS_TOKENS = "loss_tokens";
    public static final String TRUNCATED = "truncated";
    public static final String COMPLETION = "completion";

    public DecoderScorer {
        if ((lora == null) != (adapterUri == null)) {
            throw new IllegalArgumentException("an adapter needs its LoRA configuration and θ");
        }
    }

    EngineKey engineKey() {
        return new EngineKey(modelUri, lora, seqLen, TrainingMode.LORA, false, false);
    }

    @Override
    public List<String> inputColumns() {
        return promptColumn == null ? List.of(textColumn) : List.of(promptColumn, completionColumn);
    }

    @Override
    public List<StructField> outputFields() {
        List<StructField> fields = new ArrayList<>(List.of(
                DataTypes.createStructField(LOSS_SUM, DataTypes.DoubleType, true),
                DataTypes.createStructField(LOSS_MEAN, DataTypes.DoubleType, true),
                DataTypes.createStructField(LOSS_TOKENS, DataTypes.IntegerType, true),
                DataTypes.createStructField(TRUNCATED, DataTypes.BooleanType, true)));
        if (generateTokens > 0) {
            fields.add(DataTypes.createStructField(COMPLETION, DataTypes.StringType, true));
        }
        return fields;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "causal_lm");
        m.put("loss", "natural-log next-token cross-entropy over the completion tokens and EOS, one example per row");
        if (promptColumn == null) {
            m.put("text_column", textColumn);
        } else {
            m.put("prompt_column", promptColumn);
            m.put("completion_column", completionColumn);
        }
        m.put("max_seq_len", seqLen);
        m.put("long_rows", truncateLong ? "truncate" : "reject");
        m.put("batch_rows", batchRows);
        m.put("generate_tokens", generateTokens);
        return m;
    }

    @Override
    public Session open(Configuration hadoop) {
        DeviceBinding.bindCurrentTask();
        TextTokenizer tokenizer = ExecutorTokenizers.get(tokenizerUri, hadoop);
        EngineKey key = engineKey();
        CausalLm lm = ExecutorModels.borrow(key, hadoop);
        try {
            RowScorer.checkAdapterFits(adapterFingerprint, lm.base().fingerprint(), adapterUri, modelUri);
            if (lora != null) {
                lm.setTrainable(theta);
            }
        } catch (RuntimeException e) {
            ExecutorModels.giveBack(key, lm);
            throw e;
        }
        return new DecoderSession(this, key, lm, tokenizer);
    }

    /** One task's rows, scored with an engine borrowed from the executor's pool. */
    private static final class DecoderSession implements Session {
        private final DecoderScorer spec;
        private final EngineKey key;
        private final CausalLm lm;
        private final TextTokenizer tokenizer;
        private final ExampleEncoder encoder;
        private final EngineNextTokenModel nextToken;
        private final Generator generator;
        private boolean closed;

        DecoderSession(DecoderScorer spec, EngineKey key, CausalLm lm, TextTokenizer tokenizer) {
            this.spec = spec;
            this.key = key;
            this.lm = lm;
            this.tokenizer = tokenizer;
            // BOS/EOS when the tokenizer defines them, as training adds them by default.
            this.encoder = new ExampleEncoder(tokenizer, tokenizer.bosTokenId().isPresent(),
                    tokenizer.eosTokenId().isPresent());
            this.nextToken = spec.generateTokens > 0 ? new EngineNextTokenModel(lm) : null;
            this.generator = nextToken == null ? null
                    : new Generator(nextToken.limitedTo(tokenizer.vocabSize()), nextToken.maxContext());
        }

        /** A row ready for the model: its loss row, whether it was cut, and the prompt to complete. */
        private record Prepared(TrainingRow row, boolean truncated, String prompt) {
        }

        @Override
        public List<Scored> score(List<String[]> inputs) {
            List<Object> prepared = new ArrayList<>(inputs.size()); // a Prepared or the Scored failure
            List<TrainingRow> rows = new ArrayList<>();
            for (String[] input : inputs) {
                Object p = prepare(input);
                prepared.add(p);
                if (p instanceof Prepared ok) {
                    rows.add(ok.row());
                }
            }
            double[] sums = rows.isEmpty() ? new double[0] : lm.rowLossSums(Batches.of(rows));
            List<Scored> out = new ArrayList<>(inputs.size());
            int next = 0;
            for (Object p : prepared) {
                if (p instanceof Scored failed) {
                    out.add(failed);
                    continue;
                }
                Prepared ok = (Prepared) p;
                double sum = sums[next++];
                int tokens = ok.row().lossTokenCount();
                List<Object> values = new ArrayList<>(List.of(sum, sum / tokens, tokens, ok.truncated()));
                if (generator != null) {
                    values.add(complete(ok.prompt()));
                }
                out.add(Scored.of(values.toArray()));
            }
            return out;
        }

        private Object prepare(String[] input) {
            String prompt;
            String completion;
            if (spec.promptColumn == null) {
                String problem = textProblem(spec.textColumn, input[0], false);
                if (problem != null) {
                    return Scored.failed(problem);
                }
                prompt = "";
                completion = input[0];
            } else {
                String problem = textProblem(spec.promptColumn, input[0], true);
                if (problem == null) {
                    problem = textProblem(spec.completionColumn, input[1], false);
                }
                if (problem != null) {
                    return Scored.failed(problem);
                }
                prompt = input[0];
                completion = input[1];
            }
            TokenizedExample example = encoder.encode(new TextExample(prompt, completion));
            int window = spec.seqLen + 1;
            if (example.length() > window && !spec.truncateLong) {
                return Scored.failed(example.length() + " tokens exceed --max-seq-len + 1 = " + window + " and "
                        + "--long-rows is reject; raise --max-seq-len or use --long-rows truncate");
            }
            List<TrainingRow> packed = new RowPacker(spec.seqLen, false, 0).pack(List.of(example));
            if (packed.isEmpty()) {
                return Scored.failed("no completion token within the first " + window + " tokens (the prompt is too "
                        + "long); raise --max-seq-len");
            }
            return new Prepared(packed.get(0), example.length() > window, spec.promptColumn == null ? completion : prompt);
        }

        /** Why a column's value cannot be scored, as the trainer counts bad rows; null when it can. */
        private static String textProblem(String column, String value, boolean mayBeEmpty) {
            if (value == null) {
                return "column \"" + column + "\" is null";
            }
            if (!mayBeEmpty && value.isBlank()) {
                return "column \"" + column + "\" is empty";
            }
            if (value.indexOf('\uFFFD') >= 0) {
                return "column \"" + column + "\" holds invalid UTF-8";
            }
            return null;
        }

        /** The greedy completion of BOS + the prompt's tokens; null when there is nothing to continue from. */
        private String complete(String prompt) {
            int[] ids = tokenizer.encode(prompt);
            if (tokenizer.bosTokenId().isPresent()) {
                int[] withBos = new int[ids.length + 1];
                withBos[0] = tokenizer.bosTokenId().getAsInt();
                System.arraycopy(ids, 0, withBos, 1, ids.length);
                ids = withBos;
            }
            if (ids.length == 0) {
                return null;
            }
            int[] generated = generator.generate(ids, SamplingConfig.greedy(spec.generateTokens), tokenizer.eosTokenId());
            return tokenizer.decode(generated);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (nextToken != null) {
                nextToken.close();
            }
            ExecutorModels.giveBack(key, lm);
        }
    }
}
