package io.sparklora.jobs.data;

import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.testing.LocalSpark;
import org.apache.spark.sql.Row;
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
        Path file = dir.resolve(problem.name() + labels.size() + ".jsonl");
        Files.write(file, Arrays.stream(jsonLabels).map(l -> "{\"text\": \"a\", \"pair\": \"b\", \"label\": " + l + "}")
                .toList());
        ClassificationSpec task = new ClassificationSpec("label", "pair", labels, problem, ModelFamily.BERT, 0);
        SourceReader.Read read = new SourceReader.Read(ExampleTable.readFiles(spark, file.toString(), "data.path " + file,
                DataFormat.JSONL), true, null);
        return ExampleTable.read(read, "data.path " + file, DataFormat.JSONL, "text", null, null, task)
                .select(ExampleTable.LABEL, ExampleTable.PROBLEM, ExampleTable.PROMPT, ExampleTable.COMPLETION)
                .collectAsList().stream().map(ClassLabelsTest::describe).toList();
    }

    private static String describe(Row r) {
        return r.getString(1) != null ? r.getString(1) : r.getDouble(0) + " " + r.getString(3) + "|" + r.getString(2);
    }

    @Test
    void singleLabelTakesNamesAndIntegerIds() throws Exception {
        assertThat(read(List.of("neg", "pos"), ProblemType.SINGLE_LABEL,
                "\"pos\"", "\"neg\"", "1", "\"0\"", "2", "\"-1\"", "1.5", "\"neutral\"", "\"\"", "null"))
                .containsExactly("1.0 a|b", "0.0 a|b", "1.0 a|b", "0.0 a|b", "unknown label", "unknown label",
                        "unknown label", "unknown label", "no label", "no label");
    }

    @Test
    void regressionTakesAnyFiniteNumber() throws Exception {
        assertThat(read(List.of("LABEL_0"), ProblemType.REGRESSION, "3.8", "\"0.25\"", "-1", "\"NaN\"", "\"high\"",
                "null")).containsExactly("3.8 a|b", "0.25 a|b", "-1.0 a|b", "unknown label", "unknown label", "no label");
    }
}
