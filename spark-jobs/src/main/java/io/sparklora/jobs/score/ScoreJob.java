package io.sparklora.jobs.score;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.DataSource;
import io.sparklora.jobs.data.DataException;
import io.sparklora.jobs.data.SourceRows;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.train.FaultInjection;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;

/**
 * The distributed scoring job: reads a source as the trainer does (files, a table, a query, Delta/Iceberg at a
 * version), scores every row on the executors with a {@link RowScorer} (the model loaded once per executor JVM) and
 * writes exactly one Parquet row per input row: the id columns as they are, the scorer's columns, and {@link #ERROR}
 * (null for a scored row, else why it was not). The output is published by {@link ScoreOutput}, with
 * {@link ScoreOutput#RECORD} describing what was scored and {@link ScoreOutput#MARKER} last.
 */
public final class ScoreJob {
    /** Why a row has no scores (unparsable, empty text, too long, ...); null for a scored row. */
    public static final String ERROR = "error";
    private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

    /**
     * @param idColumns columns copied to each output row to identify it (their types kept)
     * @param model     what _score.json says about the model and adapter
     */
    public record Request(DataSource source, DataFormat format, List<String> idColumns, String output,
                          RowScorer scorer, Map<String, Object> model) {
        public Request {
            idColumns = List.copyOf(idColumns);
            model = new LinkedHashMap<>(model);
        }
    }

    /** What was written: rows in = rows out, of which errorRows carry an error; the _score.json content. */
    public record Result(long rows, long errorRows, Map<String, Object> record) {
    }

    private ScoreJob() {
    }

    public static Result run(SparkSession spark, Request request) throws IOException {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        ScoreOutput output = new ScoreOutput(request.output(), hadoop);
        output.recover();
        SourceRows source = SourceRows.read(spark, request.source(), request.format());
        StructType schema = outputSchema(source, request);

        List<Column> select = new ArrayList<>();
        request.idColumns().forEach(c -> select.add(col(quoted(c))));
        request.scorer().inputColumns().forEach(c -> select.add(col(quoted(c)).cast(DataTypes.StringType)));
        select.add(col(SourceRows.PROBLEM));
        Dataset<Row> input = source.rows().select(select.toArray(Column[]::new));

        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableHadoopConf> conf = sc.broadcast(new SerializableHadoopConf(hadoop));
        LongAccumulator rowsIn = spark.sparkContext().longAccumulator("score rows in");
        FaultInjection faults = FaultInjection.from(spark.conf());
        JavaRDD<Row> scored = input.javaRDD().mapPartitions(new ScoreTask(request.scorer(), request.idColumns().size(),
                conf, faults, rowsIn));
        Path staging = output.staging();
        try {
            spark.createDataFrame(scored, schema).write().parquet(staging.toString());
        } catch (Exception e) { // Spark's job failure, a checked SparkException thrown from Scala
            HadoopFiles.fs(staging, hadoop).delete(staging, true); // what the failed job left is no output
            throw e;
        }

        // Read back what is on disk, naming its files: Spark warns about reading a hidden directory.
        String[] parts = Arrays.stream(HadoopFiles.fs(staging, hadoop).listStatus(staging))
                .map(f -> f.getPath().toString()).filter(f -> !hidden(f)).toArray(String[]::new);
        Dataset<Row> written = spark.read().schema(schema).parquet(parts);
        long rows = parts.length == 0 ? 0 : written.count();
        if (rows != rowsIn.value()) {
            throw new ScoreException("the scoring job read " + rowsIn.value() + " rows but wrote " + rows + "; nothing "
                    + "was published at " + output.path() + " (rerun it)");
        }
        long errorRows = parts.length == 0 ? 0 : written.where(col(ERROR).isNotNull()).count();
        Map<String, Object> record = record(request, source, schema, rows, errorRows, start);
        HadoopFiles.fs(staging, hadoop).delete(new Path(staging, ScoreOutput.MARKER), false); // Spark's: ours comes last
        HadoopFiles.write(new Path(staging, ScoreOutput.RECORD), new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(record), hadoop);
        faults.beforeScorePublish();
        output.publish();
        LOG.info("scored {} rows ({} with an error) into {}", rows, errorRows, output.path());
        return new Result(rows, errorRows, record);
    }

    /** Id columns (their types), the scorer's columns, error; refuses missing and clashing columns by name. */
    static StructType outputSchema(SourceRows source, Request request) {
        StructType in = source.rows().schema();
        String present = String.join(", ", source.columns());
        String what = request.source().describe();
        if (request.idColumns().isEmpty()) {
            throw new DataException(what + ": no id column given; name the columns that identify a row, e.g. "
                    + "--id-columns " + (source.columns().isEmpty() ? "id" : source.columns().get(0)));
        }
        List<String> needed = new ArrayList<>(request.idColumns());
        needed.addAll(request.scorer().inputColumns());
        for (String c : needed) {
            if (!source.columns().contains(c)) {
                boolean id = request.idColumns().contains(c);
                throw new DataException(what + ": " + (id ? "id" : "input") + " column \"" + c + "\" not found "
                        + "(columns: " + (present.isEmpty() ? "none; every row is malformed" : present) + "); "
                        + (id ? "set --id-columns to columns of the input" : "set --text-column, or --prompt-column "
                        + "and --completion-column, to columns of the input"));
            }
        }
        List<StructField> fields = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (String c : request.idColumns()) {
            if (!names.add(c)) {
                throw new DataException("--id-columns names \"" + c + "\" twice; name each column once");
            }
            StructField f = in.apply(c);
            fields.add(DataTypes.createStructField(c, f.dataType(), true));
        }
        List<StructField> scores = new ArrayList<>(request.scorer().outputFields());
        scores.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        for (StructField f : scores) {
            if (!names.add(f.name())) {
                throw new DataException("id column \"" + f.name() + "\" has the name of an output column (output "
                        + "columns: " + String.join(", ", scores.stream().map(StructField::name).toList()) + "); "
                        + "rename it in the input, e.g. with --sql \"SELECT " + f.name() + " AS row_" + f.name()
                        + ", ...\"");
            }
            fields.add(f);
        }
        return DataTypes.createStructType(fields);
    }

    private static Map<String, Object> record(Request request, SourceRows source, StructType schema, long rows,
                                              long errorRows, long start) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "complete");
        m.put("written_at", Instant.now().toString());
        m.putAll(request.model());
        m.put("scoring", request.scorer().describe());
        m.put("input", source.snapshot().toMap());
        m.put("id_columns", request.idColumns());
        m.put("columns", List.of(schema.fieldNames()));
        m.put("rows", rows);
        m.put("error_rows", errorRows);
        m.put("wall_seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        return m;
    }

    private static boolean hidden(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.startsWith("_") || name.startsWith(".");
    }

    private static String quoted(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
