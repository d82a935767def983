package io.sparklora.jobs.data;

import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowPacker;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Tokenizes and packs usable examples on the executors, partition by partition, counting truncated and dropped
 * rows in accumulators the driver reports.
 */
public final class Tokenization {
    private Tokenization() {
    }

    public record Counters(LongAccumulator truncated, LongAccumulator dropped) implements java.io.Serializable {
    }

    public static JavaRDD<TrainingRow> rows(Dataset<Row> examples, TokenizeSpec spec, SerializableHadoopConf conf,
                                            Counters counters) {
        JavaRDD<Row> usable = examples.where(col(ExampleTable.PROBLEM).isNull())
                .select(ExampleTable.PROMPT, ExampleTable.COMPLETION).javaRDD();
        return usable.mapPartitions((Iterator<Row> it) -> {
            TextTokenizer tokenizer = ExecutorTokenizers.get(spec.tokenizerUri(), conf.get());
            // BOS/EOS are added when asked for and the tokenizer defines them, as Hugging Face tokenizers do.
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, spec.addBos() && tokenizer.bosTokenId().isPresent(),
                    spec.addEos() && tokenizer.eosTokenId().isPresent());
            List<TokenizedExample> encoded = new ArrayList<>();
            while (it.hasNext()) {
                Row r = it.next();
                String prompt = r.isNullAt(0) ? "" : r.getString(0);
                TokenizedExample ex = encoder.encode(new TextExample(prompt, r.getString(1)));
                if (spec.rejectLongRows() && !spec.packing() && ex.tokens().length > spec.seqLen() + 1) {
                    throw new DataException("an example of " + ex.tokens().length + " tokens exceeds data.max_seq_len + 1 = "
                            + (spec.seqLen() + 1) + " and data.long_rows is reject; raise max_seq_len or set long_rows: truncate");
                }
                encoded.add(ex);
            }
            RowPacker packer = new RowPacker(spec.seqLen(), spec.packing(), 0);
            List<TrainingRow> rows = packer.pack(encoded);
            counters.truncated().add(packer.truncatedCount());
            counters.dropped().add(packer.droppedCount());
            return rows.iterator();
        });
    }
}
