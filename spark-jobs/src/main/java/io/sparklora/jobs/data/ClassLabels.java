package io.sparklora.jobs.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

/**
 * A label column's values as the model takes them ({@link io.sparklora.core.text.ClassificationRow}'s labels, as an
 * array of doubles), in Spark SQL so that a row with an unusable label is a bad row counted per file before any
 * example is numbered. Single-label: a class name from the task's labels, or a class id 0 … n − 1 written as an
 * integer; regression: any finite number; multi-label: a set of such names or ids, as an array column (Parquet,
 * JSON) or a string of them separated by the task's separator (CSV), becoming n 0/1 indicators. Anything else is null
 * here, and {@link #problem} says why, naming the value.
 */
final class ClassLabels {
    /** How much of an unknown label the bad-row report quotes. */
    private static final int QUOTED_CHARS = 40;

    private ClassLabels() {
    }

    /** @param type the label column's type as the reader found it */
    static Column value(Column raw, DataType type, ClassificationSpec task) {
        Column text = trim(raw.cast(DataTypes.StringType));
        if (task.regression()) {
            Column v = text.try_cast(DataTypes.DoubleType);
            return when(v.isNull().or(isnan(v)).or(v.equalTo(Double.POSITIVE_INFINITY))
                    .or(v.equalTo(Double.NEGATIVE_INFINITY)), lit(null)).otherwise(array(v))
                    .cast(DataTypes.createArrayType(DataTypes.DoubleType));
        }
        if (!task.multiLabel()) {
            return when(classId(text, task).isNull(), lit(null)).otherwise(array(classId(text, task)))
                    .cast(DataTypes.createArrayType(DataTypes.DoubleType));
        }
        Column elements = elements(raw, type, task);
        Column ids = transform(elements, e -> classId(e, task));
        Column indicators = transform(sequence(lit(0), lit(task.labels().size() - 1)),
                j -> when(array_contains(ids, j), lit(1.0)).otherwise(lit(0.0)));
        return when(raw.isNull().or(try_element_at(unknown(elements, task), lit(1)).isNotNull()), lit(null))
                .otherwise(indicators).cast(DataTypes.createArrayType(DataTypes.DoubleType));
    }

    /** Why a row's label is unusable, for the bad-row report: "no label", or "unknown label" and the value. */
    static Column problem(Column raw, DataType type, ClassificationSpec task) {
        Column text = trim(raw.cast(DataTypes.StringType));
        Column missing = task.multiLabel() ? raw.isNull() : text.isNull().or(text.equalTo(""));
        Column value = task.multiLabel() ? try_element_at(unknown(elements(raw, type, task), task), lit(1)) : text;
        return when(missing, lit("no label")).otherwise(concat(lit(BadRowReport.UNKNOWN_LABEL + " \""),
                substring(value, 1, QUOTED_CHARS), lit("\"")));
    }

    /** Class i for its name or for i written as an integer; else null. */
    private static Column classId(Column text, ClassificationSpec task) {
        int n = task.labels().size();
        Column names = array(task.labels().stream().map(org.apache.spark.sql.functions::lit).toArray(Column[]::new));
        Column position = array_position(names, text);
        Column id = text.try_cast(DataTypes.IntegerType);
        return when(position.gt(0), position.minus(1))
                .when(id.geq(0).and(id.lt(n)).and(id.cast(DataTypes.StringType).equalTo(text)), id)
                .cast(DataTypes.IntegerType);
    }

    /**
     * A multi-label row's labels as trimmed strings: an array column's elements, else the value split at the
     * separator; empty pieces ("a,,b", or an empty string: no label at all) are dropped, a null element kept (and
     * unknown).
     */
    private static Column elements(Column raw, DataType type, ClassificationSpec task) {
        Column pieces = type instanceof ArrayType ? raw
                : split(raw.cast(DataTypes.StringType), Pattern.quote(task.labelSeparator()));
        return filter(transform(pieces, e -> trim(e.cast(DataTypes.StringType))), e -> e.isNull().or(e.notEqual("")));
    }

    /** The elements that name no class; a null element is unknown as "null". */
    private static Column unknown(Column elements, ClassificationSpec task) {
        return transform(filter(elements, e -> e.isNull().or(classId(e, task).isNull())),
                e -> when(e.isNull(), lit("null")).otherwise(e));
    }
}
