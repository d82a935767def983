package io.sparklora.jobs.data;

import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.testing.LocalSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A classifier's labels as the data reader maps them, row by row: class names, class ids written as integers (of a
 * JSON number or string), regression values; everything else a bad row with its reason, as the bad-row report
 * counts it.
 */
class ClassLabelsTest {
    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[1]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<String> read(List<String> labels, ProblemType problem, String... jsonLabels) throws Exception {
        Path file = dir.resolve(problem.name() + labels.size() + jsonLabels.length + ".jsonl");
        Files.write(file, Arrays.stream(jsonLabels).map(l -> "{\"text\": \"a\", \"pair\": \"b\", \"label\": " + l + "}")
                .toList());
        return read(file, DataFormat.JSONL, new ClassificationSpec("label", "pair", labels, problem, ModelFamily.BERT, 0));
    }

    private static Dataset<Row> table(Path file, DataFormat format, ClassificationSpec task) {
        SourceReader.Read read = new SourceReader.Read(ExampleTable.readFiles(spark, file.toString(), "data.path " + file,
                format), true, null);
        return ExampleTable.read(read, "data.path " + file, format, "text", null, null, task);
    }

    private static List<String> read(Path file, DataFormat format, ClassificationSpec task) {
        return table(file, format, task).select(ExampleTable.LABEL, ExampleTable.PROBLEM, ExampleTable.PROMPT, ExampleTable.COMPLETION)
                .collectAsList().stream().map(ClassLabelsTest::describe).toList();
    }

    /** The problem, or the label values (one for single-label and regression, 0/1 per class for multi-label). */
    private static String describe(Row r) {
        if (r.getString(1) != null) {
            return r.getString(1);
        }
        List<Double> values = r.getList(0);
        String label = values.size() == 1 ? values.get(0).toString()
                : values.stream().map(v -> Integer.toString(v.intValue())).collect(java.util.stream.Collectors.joining());
        return label + (r.isNullAt(2) ? "" : " " + r.getString(3) + "|" + r.getString(2));
    }

    @Test
    void singleLabelTakesNamesAndIntegerIds() throws Exception {
        assertThat(read(List.of("neg", "pos"), ProblemType.SINGLE_LABEL,
                "\"pos\"", "\"neg\"", "1", "\"0\"", "2", "\"-1\"", "1.5", "\"neutral\"", "\"\"", "null"))
                .containsExactly("1.0 a|b", "0.0 a|b", "1.0 a|b", "0.0 a|b", "unknown label \"2\"",
                        "unknown label \"-1\"", "unknown label \"1.5\"", "unknown label \"neutral\"", "no label",
                        "no label");
    }

    @Test
    void regressionTakesAnyFiniteNumber() throws Exception {
        assertThat(read(List.of("LABEL_0"), ProblemType.REGRESSION, "3.8", "\"0.25\"", "-1", "\"NaN\"", "\"high\"",
                "null")).containsExactly("3.8 a|b", "0.25 a|b", "-1.0 a|b", "unknown label \"NaN\"",
                "unknown label \"high\"", "no label");
    }

    @Test
    void multiLabelTakesArraysOfNamesOrIdsAndSeparatedStrings() throws Exception {
        List<String> labels = List.of("sports", "politics", "tech");
        // a JSON array of names or ids, or a string separated by commas; duplicates and blanks are harmless, and an
        // empty set is a row with no class; null, or any element none of the classes, is a bad row naming it
        assertThat(read(labels, ProblemType.MULTI_LABEL, "[\"sports\", \"tech\"]", "[\"2\", \"1\", \"1\"]", "[]",
                "[\"sports\", \"weather\"]", "[\"3\"]", "null"))
                .containsExactly("101 a|b", "011 a|b", "000 a|b", "unknown label \"weather\"", "unknown label \"3\"",
                        "no label");
        assertThat(read(labels, ProblemType.MULTI_LABEL, "[0, 2]", "[1]", "[4]")).containsExactly("101 a|b",
                "010 a|b", "unknown label \"4\"");
        assertThat(read(labels, ProblemType.MULTI_LABEL, "\"politics, sports\"", "\"tech,,\"", "\"\"", "\"1,x\""))
                .containsExactly("110 a|b", "001 a|b", "000 a|b", "unknown label \"x\"");
    }

    @Test
    void multiLabelReadsCsvCellsWithTheTasksSeparatorAndParquetLists() throws Exception {
        Path csv = dir.resolve("multi.csv");
        Files.writeString(csv, "text,label\na,sports;tech\nb,politics\nc,sports;golf\n");
        ClassificationSpec semicolons = new ClassificationSpec("label", null, List.of("sports", "politics", "tech"),
                ProblemType.MULTI_LABEL, ModelFamily.BERT, 0, ";");
        assertThat(read(csv, DataFormat.CSV, semicolons)).containsExactly("101", "010", "unknown label \"golf\"");
        // the bad-row report counts the row and quotes the value
        assertThatThrownBy(() -> BadRowReport.of(table(csv, DataFormat.CSV, semicolons)).check("data.path " + csv, 0.1))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("1 with a missing or unknown label (e.g. unknown label \"golf\"; task.label_column");

        Path parquet = dir.resolve("multi.parquet");
        spark.createDataFrame(List.of(RowFactory.create("a", List.of("tech", "politics").toArray(new String[0])),
                        RowFactory.create("b", new String[0])),
                new StructType().add("text", DataTypes.StringType).add("label",
                        DataTypes.createArrayType(DataTypes.StringType))).write().parquet(parquet.toString());
        assertThat(read(parquet, DataFormat.PARQUET, semicolons)).containsExactly("011", "000");
    }
}
