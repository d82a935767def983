package io.sparklora.jobs.data;

import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.DataSource;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.is_valid_utf8;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

/**
 * A source read as it is, every row and column kept, for jobs that go over all rows of a table (scoring) rather
 * than turning them into training examples: any source the trainer reads ({@link SourceReader}: files by path or
 * glob, a catalog table, a query, Delta or Iceberg at a version or timestamp), the snapshot it was read at, and per
 * row in {@link #PROBLEM} why the reader could not parse it (null for a row read whole).
 *
 * @param rows    the source's own columns ({@link #columns}) followed by {@link #PROBLEM}
 * @param columns the source's own columns, in its order
 */
public record SourceRows(Dataset<Row> rows, List<String> columns, SourceSnapshot snapshot) {
    /** "malformed" or "invalid UTF-8" for a line the reader could not parse; null otherwise. */
    public static final String PROBLEM = "_sparklora_problem";

    public SourceRows {
        columns = List.copyOf(columns);
    }

    public static SourceRows read(SparkSession spark, DataSource source, DataFormat format) {
        SourceReader.Read read = SourceReader.read(spark, source, format, null);
        Dataset<Row> raw = read.raw();
        List<String> own = Arrays.stream(raw.columns()).filter(c -> !c.equals(ExampleTable.CORRUPT)
                && !c.equals(ExampleTable.SOURCE_FILE) && !c.equals(ExampleTable.SOURCE_SPLIT)).toList();
        // JSON and CSV keep an unparsable line in the corrupt-record column, its raw bytes for JSON (see ExampleTable).
        Column problem = Arrays.asList(raw.columns()).contains(ExampleTable.CORRUPT)
                ? when(col(ExampleTable.CORRUPT).isNotNull(), when(not(is_valid_utf8(col(ExampleTable.CORRUPT))),
                lit("invalid UTF-8")).otherwise(lit("malformed")))
                : lit(null).cast(DataTypes.StringType);
        Column[] select = new Column[own.size() + 1];
        for (int i = 0; i < own.size(); i++) {
            select[i] = col("`" + own.get(i).replace("`", "``") + "`");
        }
        select[own.size()] = problem.as(PROBLEM);
        return new SourceRows(raw.select(select), own, read.snapshot());
    }
}
