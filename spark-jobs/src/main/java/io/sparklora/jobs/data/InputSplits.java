package io.sparklora.jobs.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The input splits Spark read a dataset in, with their row counts, in the dataset's global order: files sorted by
 * path, splits by their offset in the file. The first usable example of split k is numbered with the usable
 * examples of splits 0..k-1, so each example's number is its position in the files, wherever Spark put the split.
 * One small aggregation (a row per split) gives both these numbers and the bad-row report.
 */
public record InputSplits(List<Split> splits) implements java.io.Serializable {
    /**
     * One input split: a byte range of a file starting at {@code start}, and what its rows are.
     *
     * @param unknownLabel one of its unknown labels as the bad-row report names it (the least), or null
     */
    public record Split(String file, long start, long rows, long malformed, long empty, long invalidUtf8,
                        long badLabel, String unknownLabel) implements java.io.Serializable {
        public long usable() {
            return rows - malformed - empty - invalidUtf8 - badLabel;
        }

        String key() {
            return InputSplits.key(file, start);
        }
    }

    public InputSplits {
        splits = splits.stream().sorted(Comparator.comparing(Split::file).thenComparingLong(Split::start)).toList();
    }

    static String key(String file, long start) {
        return start + "@" + file;
    }

    public static InputSplits of(Dataset<Row> examples) {
        Column badLabel = col(ExampleTable.PROBLEM).equalTo("no label")
                .or(col(ExampleTable.PROBLEM).startsWith(BadRowReport.UNKNOWN_LABEL));
        List<Row> rows = examples.groupBy(col(ExampleTable.FILE), col(ExampleTable.SPLIT)).agg(count(lit(1)).as("rows"),
                        sum(when(col(ExampleTable.PROBLEM).equalTo("malformed"), 1).otherwise(0)).as("malformed"),
                        sum(when(col(ExampleTable.PROBLEM).equalTo("empty"), 1).otherwise(0)).as("empty"),
                        sum(when(col(ExampleTable.PROBLEM).equalTo("invalid UTF-8"), 1).otherwise(0)).as("utf8"),
                        sum(when(badLabel, 1).otherwise(0)).as("label"),
                        min(when(col(ExampleTable.PROBLEM).startsWith(BadRowReport.UNKNOWN_LABEL),
                                col(ExampleTable.PROBLEM))).as("unknown"))
                .collectAsList();
        List<Split> splits = new ArrayList<>();
        for (Row r : rows) {
            splits.add(new Split(r.getString(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5),
                    r.getLong(6), r.getString(7)));
        }
        return new InputSplits(splits);
    }

    /** Usable examples in all splits. */
    public long examples() {
        return splits.stream().mapToLong(Split::usable).sum();
    }

    public long files() {
        return splits.stream().map(Split::file).distinct().count();
    }

    /** Split key → {number of its first usable example, its usable examples}. */
    Map<String, long[]> firstExamples() {
        Map<String, long[]> out = new HashMap<>();
        long next = 0;
        for (Split s : splits) {
            out.put(s.key(), new long[] {next, s.usable()});
            next += s.usable();
        }
        return out;
    }

    /** Per file: {rows, malformed, empty, invalid UTF-8, missing or unknown label}. */
    public BadRowReport badRows() {
        Map<String, long[]> perFile = new TreeMap<>();
        Map<String, String> unknownLabels = new TreeMap<>();
        long total = 0;
        long bad = 0;
        for (Split s : splits) {
            long[] c = perFile.computeIfAbsent(s.file(), f -> new long[5]);
            c[0] += s.rows();
            c[1] += s.malformed();
            c[2] += s.empty();
            c[3] += s.invalidUtf8();
            c[4] += s.badLabel();
            if (s.unknownLabel() != null) {
                unknownLabels.merge(s.file(), s.unknownLabel(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
            total += s.rows();
            bad += s.malformed() + s.empty() + s.invalidUtf8() + s.badLabel();
        }
        return new BadRowReport(total, bad, perFile, unknownLabels);
    }
}
