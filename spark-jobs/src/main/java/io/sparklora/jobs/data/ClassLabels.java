package io.sparklora.jobs.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

/**
 * A label column's values as the model takes them, in Spark SQL so that a row with an unusable label is a bad row
 * counted per file before any example is numbered. Single-label: a class name from the task's labels, or a class
 * id 0 … n − 1 written as an integer; regression: any finite number. Anything else is null here, and
 * {@link #problem} says why.
 */
final class ClassLabels {
    private ClassLabels() {
    }

    static Column value(Column raw, ClassificationSpec task) {
        Column text = trim(raw.cast(DataTypes.StringType));
        if (task.regression()) {
            Column v = text.try_cast(DataTypes.DoubleType);
            return when(v.isNull().or(isnan(v)).or(v.equalTo(Double.POSITIVE_INFINITY))
                    .or(v.equalTo(Double.NEGATIVE_INFINITY)), lit(null).cast(DataTypes.DoubleType)).otherwise(v);
        }
        int n = task.labels().size();
        Column names = array(task.labels().stream().map(org.apache.spark.sql.functions::lit).toArray(Column[]::new));
        Column position = array_position(names, text);
        Column id = text.try_cast(DataTypes.IntegerType);
        return when(position.gt(0), position.minus(1))
                .when(id.geq(0).and(id.lt(n)).and(id.cast(DataTypes.StringType).equalTo(text)), id)
                .otherwise(lit(null))
                .cast(DataTypes.DoubleType);
    }

    /** Why a row's label is unusable, for the bad-row report. */
    static Column problem(Column raw) {
        Column text = trim(raw.cast(DataTypes.StringType));
        return when(text.isNull().or(text.equalTo("")), lit("no label")).otherwise(lit("unknown label"));
    }
}
