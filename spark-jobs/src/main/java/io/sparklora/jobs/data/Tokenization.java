package io.sparklora.jobs.data;

import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.SentencePairEncoder;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Numbers and tokenizes the usable examples on the executors, in the partitions Spark read them in: each example
 * gets its position in the dataset's global order (the first number of its split, from {@link InputSplits}, plus
 * its position among the split's usable rows), its role (training or validation, from that number) and its tokens.
 */
public final class Tokenization {
    private Tokenization() {
    }

    /**
     * @param firstExamples split key → {its first example's number, its usable examples}
     * @param keepText      the numbers of the validation examples whose text the run report shows
     */
    static JavaPairRDD<Long, NumberedExample> numbered(Dataset<Row> examples, Broadcast<Map<String, long[]>> firstExamples,
                                                        TokenizeSpec spec, Holdout holdout, Set<Long> keepText,
                                                        SerializableHadoopConf conf, String what) {
        return examples.select(ExampleTable.FILE, ExampleTable.SPLIT, ExampleTable.PROMPT, ExampleTable.COMPLETION,
                ExampleTable.PROBLEM, ExampleTable.LABEL).javaRDD().mapPartitionsToPair((Iterator<Row> it) -> {
                    TextTokenizer tokenizer = ExecutorTokenizers.get(spec.tokenizerUri(), conf.get());
                    // BOS/EOS are added when asked for and the tokenizer defines them, as Hugging Face tokenizers do.
                    ExampleEncoder encoder = new ExampleEncoder(tokenizer, spec.addBos() && tokenizer.bosTokenId().isPresent(),
                            spec.addEos() && tokenizer.eosTokenId().isPresent());
                    SentencePairEncoder pairs = spec.task() == null ? null
                            : new SentencePairEncoder(tokenizer, spec.task().family(), spec.task().padTokenId());
                    return new Numbering(it, firstExamples.value(), encoder, pairs, spec, holdout, keepText, what);
                });
    }

    /** Walks one partition's rows; a split's rows come together and in file order (see {@link ExampleTable}). */
    private static final class Numbering implements Iterator<Tuple2<Long, NumberedExample>> {
        private final Iterator<Row> rows;
        private final Map<String, long[]> firstExamples;
        private final ExampleEncoder encoder;
        private final SentencePairEncoder pairs;
        private final TokenizeSpec spec;
        private final Holdout holdout;
        private final Set<Long> keepText;
        private final String what;
        private final Set<String> seen = new HashSet<>();
        private String split;
        private long next;
        private long end;
        private Tuple2<Long, NumberedExample> pending;

        Numbering(Iterator<Row> rows, Map<String, long[]> firstExamples, ExampleEncoder encoder,
                  SentencePairEncoder pairs, TokenizeSpec spec, Holdout holdout, Set<Long> keepText, String what) {
            this.rows = rows;
            this.firstExamples = firstExamples;
            this.encoder = encoder;
            this.pairs = pairs;
            this.spec = spec;
            this.holdout = holdout;
            this.keepText = keepText;
            this.what = what;
        }

        @Override
        public boolean hasNext() {
            while (pending == null && rows.hasNext()) {
                pending = numberNext(rows.next());
            }
            if (pending == null) {
                finishSplit();
            }
            return pending != null;
        }

        @Override
        public Tuple2<Long, NumberedExample> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Tuple2<Long, NumberedExample> out = pending;
            pending = null;
            return out;
        }

        private Tuple2<Long, NumberedExample> numberNext(Row r) {
            String key = InputSplits.key(r.getString(0), r.getLong(1));
            if (!key.equals(split)) {
                finishSplit();
                long[] first = firstExamples.get(key);
                if (first == null || !seen.add(key)) {
                    throw changed("the split at byte " + r.getLong(1) + " of " + r.getString(0)
                            + (first == null ? " was not there when the rows were counted" : " was read twice"));
                }
                split = key;
                next = first[0];
                end = first[0] + first[1];
            }
            if (!r.isNullAt(4)) {
                return null; // an unusable row: counted in the bad-row report, not numbered
            }
            if (next >= end) {
                throw changed(split + " holds more usable rows than were counted");
            }
            long number = next++;
            if (pairs != null) {
                return new Tuple2<>(number, new NumberedExample(holdout.validation(number), null, classified(r), null, null));
            }
            String prompt = r.isNullAt(2) ? "" : r.getString(2);
            TokenizedExample ex = encoder.encode(new TextExample(prompt, r.getString(3)));
            if (spec.rejectLongRows() && !spec.packing() && ex.tokens().length > spec.seqLen() + 1) {
                throw new DataException("an example of " + ex.tokens().length + " tokens exceeds data.max_seq_len + 1 = "
                        + (spec.seqLen() + 1) + " and data.long_rows is reject; raise max_seq_len or set long_rows: truncate");
            }
            boolean validation = holdout.validation(number);
            boolean text = validation && keepText.contains(number);
            return new Tuple2<>(number, new NumberedExample(validation, ex, null, text ? prompt : null,
                    text ? r.getString(3) : null));
        }

        /**
         * A classification example: {@code data.text_column} (in completion) and the pair's second text (in prompt,
         * null for single texts), cut to data.max_seq_len as "longest_first" does, with its label.
         */
        private ClassificationRow classified(Row r) {
            String second = r.isNullAt(2) ? null : r.getString(2);
            java.util.List<Double> label = r.getList(5);
            return ClassificationRow.of(pairs.encode(r.getString(3), second, spec.seqLen()),
                    label.stream().mapToDouble(Double::doubleValue).toArray());
        }

        private void finishSplit() {
            if (split != null && next != end) {
                throw changed(split + " holds " + (end - next) + " fewer usable rows than were counted");
            }
            split = null;
        }

        private DataException changed(String detail) {
            return new DataException(what + " changed while it was read (" + detail + "); rerun once nothing writes to "
                    + "the data, or point " + what + " at a snapshot");
        }
    }
}
