package io.sparklora.jobs.data;

import io.sparklora.core.text.TextExample;
import io.sparklora.jobs.config.DataSection;
import io.sparklora.jobs.config.DataSource;
import io.sparklora.jobs.config.LongRowPolicy;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's data step, before any training: read the data lake with Spark SQL, count rows and check bad rows per
 * file, then number, tokenize and pack the examples on the executors so that the rows are a function of the data and
 * the job's configuration only ({@link BlockRows}), and cache one block per worker. Rounds never re-read or
 * re-tokenize.
 */
public final class DataPreparation {
    private static final Logger LOG = LoggerFactory.getLogger(DataPreparation.class);
    /** Validation examples kept as text on the driver (for the report's before/after generations). */
    public static final int VALIDATION_EXAMPLES = 8;
    /** Keys of the sources' snapshots in {@link RowsIdentity#sources()}. */
    static final String TRAINING = "training";
    static final String VALIDATION = "validation";

    private DataPreparation() {
    }

    public static PreparedData prepare(SparkSession spark, DataSection data, String tokenizerUri, int workers,
                                       long seed, int maxValidationRows, SerializableHadoopConf conf) {
        return prepare(spark, data, tokenizerUri, workers, seed, maxValidationRows, conf, Map.of());
    }

    /**
     * @param pinned the sources' snapshots a checkpoint recorded ({@link RowsIdentity#sources()}), which a resumed
     *               run reads again; empty for a new run
     */
    public static PreparedData prepare(SparkSession spark, DataSection data, String tokenizerUri, int workers,
                                       long seed, int maxValidationRows, SerializableHadoopConf conf,
                                       Map<String, Object> pinned) {
        return prepare(spark, data, null, tokenizerUri, workers, seed, maxValidationRows, conf, pinned);
    }

    /**
     * @param task a classification job's labels and row template (one row per example, not packed); null for a
     *             decoder
     */
    public static PreparedData prepare(SparkSession spark, DataSection data, ClassificationSpec task, String tokenizerUri,
                                       int workers, long seed, int maxValidationRows, SerializableHadoopConf conf,
                                       Map<String, Object> pinned) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TokenizeSpec spec = new TokenizeSpec(tokenizerUri, data.maxSeqLen(), data.packing() && task == null,
                data.addBos(), data.addEos(), data.longRows() == LongRowPolicy.REJECT, task);

        DataSource source = data.source();
        SourceReader.Read read = SourceReader.read(spark, source, data.format(), SourceSnapshot.pinnedFrom(pinned.get(TRAINING)));
        Dataset<Row> examples = read(data, task, read, source);
        sc.setJobDescription("SparkLoRA data: count " + source.describe());
        InputSplits splits = InputSplits.of(examples);
        BadRowReport bad = splits.badRows();
        bad.check(source.describe(), data.maxBadRowFraction());
        boolean holdOut = !data.validation().present() && data.validationFraction() > 0;
        BlockRows main = BlockRows.prepare(sc, examples, splits, spec,
                holdOut ? Holdout.fraction(seed, data.validationFraction()) : Holdout.none(), data.blockExamples(),
                VALIDATION_EXAMPLES, conf, source.describe());

        sc.setJobDescription("SparkLoRA data: shard the training rows");
        JavaRDD<ShardBlock> train = ShardedRows.shard(main.trainRowsNumbered(sc), workers, "training rows");
        long trainRows = rowCount(train);
        if (trainRows != main.trainRows()) {
            throw new IllegalStateException("sharded " + trainRows + " training rows, packed " + main.trainRows());
        }
        if (trainRows < workers) {
            throw new DataException(source.describe() + " gives " + trainRows + " training rows of "
                    + data.maxSeqLen() + " tokens, fewer than distributed.workers = " + workers
                    + "; add data, lower data.max_seq_len or use fewer workers");
        }
        BlockRows heldOut = holdOut ? main : null;
        InputSplits validationSplits = null;
        SourceSnapshot validationSnapshot = null;
        if (data.validation().present()) {
            DataSource vs = data.validation();
            SourceReader.Read vr = SourceReader.read(spark, vs, data.format(), SourceSnapshot.pinnedFrom(pinned.get(VALIDATION)));
            validationSnapshot = vr.snapshot();
            Dataset<Row> table = read(data, task, vr, vs);
            sc.setJobDescription("SparkLoRA data: count " + vs.describe());
            validationSplits = InputSplits.of(table);
            validationSplits.badRows().check(vs.describe(), data.maxBadRowFraction());
            heldOut = BlockRows.prepare(sc, table, validationSplits, spec, Holdout.everything(), data.blockExamples(),
                    VALIDATION_EXAMPLES, conf, vs.describe());
        }
        JavaRDD<ShardBlock> validation = null;
        long validationRows = 0;
        if (heldOut != null) {
            sc.setJobDescription("SparkLoRA data: shard the validation rows");
            validation = ShardedRows.shard(heldOut.validationRowsNumbered(sc, maxValidationRows), workers,
                    "validation rows");
            validationRows = rowCount(validation);
        }
        sc.setJobDescription(null);
        Map<String, Object> sources = new LinkedHashMap<>();
        sources.put(TRAINING, read.snapshot().toMap());
        if (validationSnapshot != null) {
            sources.put(VALIDATION, validationSnapshot.toMap());
        }
        RowsIdentity rows = new RowsIdentity(main.examples(), trainRows, data.blockExamples(), main.trainFingerprint(),
                sources);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("source", read.snapshot().toMap());
        if (validationSnapshot != null) {
            report.put("validation_source", validationSnapshot.toMap());
        }
        if (!pinned.isEmpty()) {
            report.put("snapshot_from_checkpoint", true);
        }
        report.put("input_files", splits.files());
        report.put("input_rows", bad.totalRows());
        report.put("bad_rows", bad.badRows());
        report.put("examples", main.examples());
        report.put("training_examples", main.trainExamples());
        report.put("validation_examples", heldOut == null ? 0 : heldOut.validationExamples());
        report.put("block_examples", data.blockExamples());
        report.put("training_rows", trainRows);
        report.put("validation_rows", validationRows);
        long truncated = main.truncated() + (heldOut != null && heldOut != main ? heldOut.truncated() : 0);
        long dropped = main.dropped() + (heldOut != null && heldOut != main ? heldOut.dropped() : 0);
        report.put("truncated_examples", truncated);
        report.put("dropped_examples", dropped);
        report.put("training_rows_fingerprint", rows.fingerprint());
        if (heldOut != null) {
            report.put("validation_rows_fingerprint", heldOut.validationFingerprint());
        }
        LOG.info("data: {} input rows in {} files ({} unusable), {} examples, {} training rows, {} validation rows of {} "
                        + "tokens; {} examples truncated; training rows {} (read as {} input splits)",
                bad.totalRows(), splits.files(), bad.badRows(), main.examples(), trainRows, validationRows,
                data.maxSeqLen(), truncated, rows.fingerprint(),
                splits.splits().size() + (validationSplits == null ? 0 : validationSplits.splits().size()));
        List<TextExample> samples = new ArrayList<>();
        if (heldOut != null) {
            heldOut.samples().forEach(x -> samples.add(new TextExample(x.prompt(), x.completion())));
        }
        return new PreparedData(train, trainRows, validation, validationRows, report, rows, samples);
    }

    private static Dataset<Row> read(DataSection data, ClassificationSpec task, SourceReader.Read read, DataSource source) {
        return ExampleTable.read(read, source.describe(), data.format(), data.textColumn(), data.promptColumn(),
                data.completionColumn(), task);
    }

    private static long rowCount(JavaRDD<ShardBlock> blocks) {
        return blocks.map(b -> (long) b.rows().size()).fold(0L, Long::sum);
    }
}
