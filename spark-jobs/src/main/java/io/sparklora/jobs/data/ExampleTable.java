package io.sparklora.jobs.data;

import io.sparklora.jobs.config.DataFormat;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.Arrays;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_block_start;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.is_valid_utf8;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

/**
 * Reads a dataset from the data lake with Spark SQL into one table of examples: {@code file}, {@code split} (the byte
 * offset in the file where the row's input split starts), {@code prompt} (null for plain text), {@code completion},
 * {@code problem} (null for a usable row, else why it is not) and {@code label} (a classifier's label values, else
 * null).
 * Within a partition the rows of one split come together and in file order, so (file, split, position in the split)
 * orders the rows as the files hold them, however Spark cut the files into splits ({@link InputSplits}).
 */
public final class ExampleTable {
    public static final String FILE = "file";
    public static final String SPLIT = "split";
    public static final String PROMPT = "prompt";
    public static final String COMPLETION = "completion";
    public static final String PROBLEM = "problem";
    /**
     * A classification example's label values as the model takes them (the class id, the regression target, or
     * multi-label's 0/1 per class); else null.
     */
    public static final String LABEL = "label";
    static final org.apache.spark.sql.types.DataType LABEL_TYPE = DataTypes.createArrayType(DataTypes.DoubleType);
    static final String CORRUPT = "_corrupt_record";
    /** The source file, taken before caching: over a cached table input_file_name() is empty. */
    static final String SOURCE_FILE = "_sparklora_file";
    /** The start of the row's input split in its file, taken before caching like the file. */
    static final String SOURCE_SPLIT = "_sparklora_split";

    private ExampleTable() {
    }

    /**
     * The examples of one source as {@link SourceReader} read it. Files keep their file order; a table or a query
     * has no order of its own, so its examples are sorted by (prompt, completion), which makes the rows the same
     * however the table's files or the query's partitions are laid out: a table trains as a JSON Lines file holding
     * the same rows in that order. The sorted partitions then stand in for the splits, under the source's name.
     *
     * @param what         the source as messages name it, e.g. {@code data.sql "SELECT ..."}
     * @param promptColumn null for plain-text examples, whose text is in {@code textColumn}
     */
    static Dataset<Row> read(SourceReader.Read read, String what, DataFormat format, String textColumn,
                             String promptColumn, String completionColumn) {
        return read(read, what, format, textColumn, promptColumn, completionColumn, null);
    }

    /**
     * @param task null for a decoder's examples; a classification job's columns and labels: {@code completion} then
     *             holds {@code textColumn}, {@code prompt} the pair's second text (null without one) and {@code label}
     *             the label as {@link ClassLabels} maps it (a row whose label is missing or not one of the task's is
     *             unusable)
     */
    static Dataset<Row> read(SourceReader.Read read, String what, DataFormat format, String textColumn,
                             String promptColumn, String completionColumn, ClassificationSpec task) {
        Dataset<Row> raw = read.raw();
        if (task != null) {
            promptColumn = task.textPairColumn();
            completionColumn = textColumn;
        }
        boolean paired = promptColumn != null;
        String[] required = paired ? new String[] {promptColumn, completionColumn} : new String[] {textColumn};
        if (task != null) {
            required = java.util.stream.Stream.concat(Arrays.stream(required), java.util.stream.Stream.of(task.labelColumn()))
                    .toArray(String[]::new);
        }
        if (read.fileOrdered() && format == DataFormat.TEXT) {
            required = new String[] {"value"};
        }
        // No column at all: the input is empty, or every row is malformed (JSON gives only the corrupt-record
        // column). Let the bad-row report say which, per file, rather than blame the column settings.
        boolean nothingParsed = Arrays.stream(raw.columns()).allMatch(c -> c.equals(CORRUPT) || c.equals(SOURCE_FILE)
                || c.equals(SOURCE_SPLIT));
        for (String column : nothingParsed ? new String[0] : required) {
            if (!Arrays.asList(raw.columns()).contains(column)) {
                String present = String.join(", ", Arrays.stream(raw.columns())
                        .filter(c -> !c.equals(CORRUPT) && !c.equals(SOURCE_FILE) && !c.equals(SOURCE_SPLIT)).toList());
                throw new DataException(what + ": column \"" + column + "\" not found (columns: "
                        + (present.isEmpty() ? "none; every row is malformed" : present) + "); set "
                        + columnKey(column, task, paired) + " to the right column"
                        + (what.startsWith("data.sql") || what.startsWith("data.validation_sql")
                        ? ", or select it in the query" : ""));
            }
        }
        Column none = lit(null).cast(DataTypes.StringType);
        Column prompt = paired && !nothingParsed ? col(promptColumn).cast(DataTypes.StringType) : none;
        Column completion = nothingParsed ? none : col(task != null ? textColumn : required[required.length - 1])
                .cast(DataTypes.StringType);
        Column label = task == null || nothingParsed ? lit(null).cast(LABEL_TYPE) : ClassLabels.value(
                col(task.labelColumn()), raw.schema().apply(task.labelColumn()).dataType(), task);
        Column corrupt = Arrays.asList(raw.columns()).contains(CORRUPT) ? col(CORRUPT) : none;
        // JSON and text keep a line's raw bytes: invalid UTF-8 makes a JSON row corrupt and passes through text
        // unchanged, so check the bytes; CSV decodes them and leaves U+FFFD in their place.
        Column problem = when(corrupt.isNotNull(), when(not(is_valid_utf8(corrupt)), lit("invalid UTF-8"))
                        .otherwise(lit("malformed")))
                .when(completion.isNull().or(trim(completion).equalTo("")), lit("empty"))
                .when(paired ? prompt.isNull() : lit(false), lit("empty"))
                .when(badText(completion).or(paired ? badText(prompt) : lit(false)), lit("invalid UTF-8"));
        if (task != null && !nothingParsed) {
            problem = problem.when(label.isNull(), ClassLabels.problem(col(task.labelColumn()),
                    raw.schema().apply(task.labelColumn()).dataType(), task));
        }
        if (read.fileOrdered()) {
            return raw.select(col(SOURCE_FILE).as(FILE), col(SOURCE_SPLIT).as(SPLIT), prompt.as(PROMPT),
                    completion.as(COMPLETION), problem.as(PROBLEM), label.as(LABEL));
        }
        return raw.select(prompt.as(PROMPT), completion.as(COMPLETION), problem.as(PROBLEM), label.as(LABEL))
                .orderBy(col(PROMPT).asc_nulls_first(), col(COMPLETION).asc_nulls_first(), col(LABEL).asc_nulls_first())
                .select(lit(what).as(FILE), spark_partition_id().cast(DataTypes.LongType).as(SPLIT), col(PROMPT),
                        col(COMPLETION), col(PROBLEM), col(LABEL))
                .cache();
    }

    /** The job-file key that names a required column. */
    private static String columnKey(String column, ClassificationSpec task, boolean paired) {
        if (task == null) {
            return paired ? "data.prompt_column / data.completion_column" : "data.text_column";
        }
        return column.equals(task.labelColumn()) ? "task.label_column"
                : column.equals(task.textPairColumn()) ? "task.text_pair_column" : "data.text_column";
    }

    /** The examples of files at {@code path}; the test suites read files this way. */
    public static Dataset<Row> read(SparkSession spark, String path, DataFormat format, String textColumn,
                                    String promptColumn, String completionColumn) {
        return read(new SourceReader.Read(readRaw(spark, path, "data.path " + path, format), true, null), "data.path " + path, format,
                textColumn, promptColumn, completionColumn);
    }

    /**
     * Files at {@code path} in a file format, with each row's file and split.
     *
     * @param what the path as messages name it, e.g. {@code data.path <path>}
     */
    static Dataset<Row> readFiles(SparkSession spark, String path, String what, DataFormat format) {
        return readRaw(spark, path, what, format);
    }

    private static Dataset<Row> readRaw(SparkSession spark, String path, String what, DataFormat format) {
        requireMatch(spark, path, what, format);
        try {
            return switch (format) {
                case JSONL -> readJson(spark, path, false);
                case JSON -> readJson(spark, path, true);
                case PARQUET -> withFile(spark.read().parquet(path));
                case CSV -> readCsv(spark, path);
                case TEXT -> withFile(spark.read().text(path));
                case DELTA, ICEBERG -> throw new IllegalArgumentException(format + " is a table format, not files");
            };
        } catch (Exception e) {
            if (e instanceof AnalysisException || e.getMessage() != null && e.getMessage().contains("Path does not exist")) {
                throw new DataException(what + " cannot be read as " + format.name().toLowerCase()
                        + ": " + firstLine(e.getMessage()) + "; check the path (a file, directory or glob) and "
                        + (what.startsWith("--") ? "--format" : "data.format"), e); // a command's options, or the job's keys
            }
            throw e;
        }
    }

    /**
     * A path that matches nothing is one line here: Spark itself would first log a warning with a stack trace (its
     * streaming-sink metadata probe) and then fail. A file system that cannot answer is left to Spark to report.
     */
    private static void requireMatch(SparkSession spark, String path, String what, DataFormat format) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        FileStatus[] matches;
        try {
            matches = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).globStatus(p);
        } catch (IOException | IllegalArgumentException e) {
            return;
        }
        if (matches == null || matches.length == 0) {
            throw new DataException(what + " cannot be read as " + format.name().toLowerCase()
                    + ": it does not exist (no file, directory or glob match); check the path (a file, directory or glob)");
        }
    }

    /**
     * When every row is malformed the inferred schema is the corrupt-record column alone, which Spark refuses to
     * query from raw files; then the rows are read as text (a line, or a whole file for multi-line JSON) instead.
     */
    private static Dataset<Row> readJson(SparkSession spark, String path, boolean multiLine) {
        Dataset<Row> parsed = spark.read().option("multiLine", multiLine).option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", CORRUPT).json(path);
        if (Arrays.equals(parsed.columns(), new String[] {CORRUPT})) {
            Dataset<Row> text = spark.read().option("wholetext", multiLine).text(path);
            return withFile(text.where(trim(col("value")).notEqual("")).withColumnRenamed("value", CORRUPT));
        }
        return withFile(parsed).cache();
    }

    /** CSV keeps malformed lines only when the corrupt-record column is in the schema, so read the header first. */
    private static Dataset<Row> readCsv(SparkSession spark, String path) {
        StructType header = spark.read().option("header", true).csv(path).schema();
        StructType schema = new StructType(Arrays.stream(header.fields())
                .map(f -> new StructField(f.name(), DataTypes.StringType, true, f.metadata())).toArray(StructField[]::new))
                .add(CORRUPT, DataTypes.StringType, true);
        return withFile(spark.read().option("header", true).option("mode", "PERMISSIVE").option("multiLine", true)
                .option("columnNameOfCorruptRecord", CORRUPT).schema(schema).csv(path)).cache();
    }

    private static Column badText(Column text) {
        return text.contains("\uFFFD").or(not(is_valid_utf8(text)));
    }

    private static Dataset<Row> withFile(Dataset<Row> raw) {
        return raw.withColumn(SOURCE_FILE, input_file_name()).withColumn(SOURCE_SPLIT, input_file_block_start());
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
