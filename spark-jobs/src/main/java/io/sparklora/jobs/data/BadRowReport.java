package io.sparklora.jobs.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-file counts of unusable rows, checked against the allowed fraction before any training starts.
 *
 * @param unknownLabels file → one of its unknown labels, as {@code unknown label "neutral"} (classification only)
 */
public record BadRowReport(long totalRows, long badRows, Map<String, long[]> perFile,
                           Map<String, String> unknownLabels) implements java.io.Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(BadRowReport.class);
    /** How a row whose label is none of the task's is marked, followed by the value in quotes. */
    static final String UNKNOWN_LABEL = "unknown label";

    /** perFile: file → {rows, malformed, empty, invalid UTF-8, missing or unknown label}. */
    public static BadRowReport of(Dataset<Row> examples) {
        return InputSplits.of(examples).badRows();
    }

    public double badFraction() {
        return totalRows == 0 ? 0 : (double) badRows / totalRows;
    }

    /**
     * Logs files with bad rows and fails when nothing is usable or too much is bad.
     *
     * @param what the source as messages name it, e.g. {@code data.path /data/train.jsonl}
     */
    public void check(String what, double maxBadFraction) {
        List<String> lines = new ArrayList<>();
        perFile.forEach((file, c) -> {
            if (c[1] + c[2] + c[3] + c[4] > 0) {
                lines.add(file + ": " + c[0] + " rows, " + c[1] + " malformed, " + c[2] + " empty, " + c[3] + " invalid UTF-8"
                        + (c[4] > 0 ? ", " + c[4] + " with a missing or unknown label ("
                        + (unknownLabels.containsKey(file) ? "e.g. " + unknownLabels.get(file) + "; " : "")
                        + "task.label_column, task.label_names)" : ""));
            }
        });
        lines.forEach(l -> LOG.warn("{} bad rows in {}", what, l));
        if (totalRows == 0) {
            String key = what.split(" ", 2)[0]; // what is "<key> <value>", e.g. "data.path /data/train.jsonl"
            throw new DataException(what + " holds no rows; point " + key + " at "
                    + (key.endsWith("path") ? "a non-empty file, directory or glob" : "a table or query with rows"));
        }
        if (badRows == totalRows) {
            throw new DataException(what + ": all " + totalRows + " rows are unusable (" + String.join("; ", lines)
                    + "); check data.format and the column settings");
        }
        if (badFraction() > maxBadFraction) {
            throw new DataException(String.format("%s: %d of %d rows (%.2f%%) are unusable, more than "
                            + "data.max_bad_row_fraction = %s (%s); clean the data or raise the threshold", what,
                    badRows, totalRows, 100 * badFraction(), maxBadFraction, String.join("; ", lines)));
        }
    }
}
