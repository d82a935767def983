package io.sparklora.jobs.data;

import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.jobs.config.DataSection;
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

import static org.apache.spark.sql.functions.col;

/**
 * The driver's data step, before any training: read the data lake with Spark SQL, count and check bad rows per
 * file, tokenize and pack on the executors, and cache one block per worker. Rounds never re-read or re-tokenize.
 */
public final class DataPreparation {
    private static final Logger LOG = LoggerFactory.getLogger(DataPreparation.class);
    /** Validation examples kept as text on the driver (for the report's before/after generations). */
    public static final int VALIDATION_EXAMPLES = 8;

    private DataPreparation() {
    }

    public static PreparedData prepare(SparkSession spark, DataSection data, String tokenizerUri, int workers,
                                       long seed, int maxValidationRows, SerializableHadoopConf conf) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TokenizeSpec spec = new TokenizeSpec(tokenizerUri, data.maxSeqLen(), data.packing(), data.addBos(), data.addEos(),
                data.longRows() == LongRowPolicy.REJECT);
        Tokenization.Counters counters = new Tokenization.Counters(sc.sc().longAccumulator("truncated rows"),
                sc.sc().longAccumulator("dropped rows"));

        Dataset<Row> examples = read(spark, data, data.path());
        BadRowReport bad = BadRowReport.of(examples);
        bad.check("data.path", data.path(), data.maxBadRowFraction());
        Dataset<Row> usable = examples;
        Dataset<Row> heldOut = null;
        if (data.validationPath() != null) {
            heldOut = read(spark, data, data.validationPath());
            BadRowReport.of(heldOut).check("data.validation_path", data.validationPath(), data.maxBadRowFraction());
        } else if (data.validationFraction() > 0) {
            Dataset<Row>[] split = examples.randomSplit(new double[] {1 - data.validationFraction(), data.validationFraction()}, seed);
            usable = split[0];
            heldOut = split[1];
        }

        JavaRDD<ShardBlock> train = ShardedRows.shard(Tokenization.rows(usable, spec, conf, counters), workers, "training rows");
        long trainRows = rowCount(train);
        if (trainRows < workers) {
            throw new DataException("data.path " + data.path() + " gives " + trainRows + " training rows of "
                    + data.maxSeqLen() + " tokens, fewer than distributed.workers = " + workers
                    + "; add data, lower data.max_seq_len or use fewer workers");
        }
        JavaRDD<ShardBlock> validation = null;
        long validationRows = 0;
        if (heldOut != null) {
            JavaRDD<TrainingRow> rows = Tokenization.rows(heldOut, spec, conf, counters);
            if (maxValidationRows > 0) {
                rows = sc.parallelize(rows.take(maxValidationRows), workers);
            }
            validation = ShardedRows.shard(rows, workers, "validation rows");
            validationRows = rowCount(validation);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("input_rows", bad.totalRows());
        report.put("bad_rows", bad.badRows());
        report.put("training_rows", trainRows);
        report.put("validation_rows", validationRows);
        report.put("truncated_examples", counters.truncated().value());
        report.put("dropped_examples", counters.dropped().value());
        LOG.info("data: {} input rows ({} unusable), {} training rows, {} validation rows of {} tokens; {} examples truncated",
                bad.totalRows(), bad.badRows(), trainRows, validationRows, data.maxSeqLen(), counters.truncated().value());
        List<TextExample> samples = heldOut == null ? List.of() : firstExamples(heldOut, VALIDATION_EXAMPLES);
        return new PreparedData(train, trainRows, validation, validationRows, report, samples);
    }

    /** The first {@code n} usable examples of a table, as text: a small {@code take} to the driver. */
    private static List<TextExample> firstExamples(Dataset<Row> table, int n) {
        List<TextExample> out = new ArrayList<>();
        for (Row r : table.where(col(ExampleTable.PROBLEM).isNull())
                .select(ExampleTable.PROMPT, ExampleTable.COMPLETION).takeAsList(n)) {
            out.add(new TextExample(r.isNullAt(0) ? "" : r.getString(0), r.getString(1)));
        }
        return out;
    }

    private static Dataset<Row> read(SparkSession spark, DataSection data, String path) {
        return ExampleTable.read(spark, path, data.format(), data.textColumn(), data.promptColumn(), data.completionColumn());
    }

    private static long rowCount(JavaRDD<ShardBlock> blocks) {
        return blocks.map(b -> (long) b.rows().size()).fold(0L, Long::sum);
    }
}
