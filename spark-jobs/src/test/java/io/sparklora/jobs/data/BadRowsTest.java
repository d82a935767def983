package io.sparklora.jobs.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.sparklora.jobs.cli.SparkLoraMain.DATA_ERROR;
import static io.sparklora.jobs.testing.CliRuns.assertNoAdapter;
import static io.sparklora.jobs.testing.CliRuns.assertUnchanged;
import static io.sparklora.jobs.testing.CliRuns.snapshot;
import static io.sparklora.jobs.testing.CliRuns.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data mistakes through the real CLI on Spark local mode: exit code 3 with one message naming the file, column or key
 * and the fix, no adapter, the data untouched; tolerated bad rows are counted in summary.json; every format trains.
 */
class BadRowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path model;

    @TempDir
    Path dir;
    Path output;
    Path config;
    Path data;
    Map<Path, byte[]> inputs;

    @BeforeAll
    static void tinyModel() throws Exception {
        model = TinyJob.model(shared);
    }

    @BeforeEach
    void paths() {
        output = dir.resolve("out");
        config = dir.resolve("job.yaml");
        data = dir.resolve("data");
    }

    private static String jsonLine(String text) {
        return "{\"text\": \"" + text + "\"}\n";
    }

    private static String corpusJsonl() {
        StringBuilder sb = new StringBuilder();
        TinyJob.CORPUS.forEach(line -> sb.append(jsonLine(line)));
        return sb.toString();
    }

    /** Runs train on a job whose data section is {@code dataSection}; checks the inputs are unchanged afterwards. */
    private CliRuns.Result train(String dataSection, String... sets) {
        write(config, CliRuns.yaml(model, dataSection, output));
        inputs = snapshot(config, model, data);
        CliRuns.Result result = CliRuns.train(config, sets);
        assertUnchanged(inputs, config, model, data);
        return result;
    }

    private String failsWithDataError(CliRuns.Result result) {
        String message = result.failsWith(DATA_ERROR, "data error: ");
        assertNoAdapter(output);
        // the run began (summary.json says running) before the data was read: it must end recorded as failed,
        // whether the error was raised on the driver or inside a Spark task
        JsonNode summary;
        try {
            summary = JSON.readTree(output.resolve("summary.json").toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(summary.path("status").asText()).isEqualTo("failed");
        assertThat(summary.path("error").asText()).isNotEmpty();
        return message;
    }

    private JsonNode succeeds(CliRuns.Result result) throws Exception {
        result.succeeds();
        assertThat(result.out()).contains("adapter written to");
        assertThat(output.resolve("adapter/adapter_model.safetensors")).exists();
        JsonNode summary = JSON.readTree(output.resolve("summary.json").toFile());
        assertThat(summary.path("status").asText()).isEqualTo("succeeded");
        return summary;
    }

    @Test
    void missingDatasetPathIsNamed() {
        Path missing = dir.resolve("no-such-data");
        String message = failsWithDataError(train(CliRuns.jsonl(missing)));
        assertThat(message).contains("data.path " + missing).contains("cannot be read as jsonl")
                .contains("does not exist").contains("check the path");
    }

    @Test
    void directoryWithOnlyAnEmptyFileHoldsNoRows() {
        write(data.resolve("train.jsonl"), "");
        String message = failsWithDataError(train(CliRuns.jsonl(data)));
        assertThat(message).contains("data.path " + data).contains("holds no rows")
                .contains("point data.path at a non-empty file");
    }

    @Test
    void allRowsMalformedSaysSoPerFile() {
        write(data.resolve("train.jsonl"), "{broken\n".repeat(10));
        String message = failsWithDataError(train(CliRuns.jsonl(data)));
        assertThat(message).contains("data.path " + data).contains("10 rows are unusable")
                .contains("train.jsonl: 10 rows, 10 malformed").contains("check data.format");
    }

    @Test
    void someMalformedRowsBelowTheThresholdAreCountedAndSkipped() throws Exception {
        write(data.resolve("train.jsonl"), corpusJsonl() + "{broken\n" + "{\"text\": \"the cat\"\n");
        JsonNode summary = succeeds(train(CliRuns.jsonl(data) + "max_bad_row_fraction: 0.1\n"));
        assertThat(summary.path("data").path("input_rows").asLong()).isEqualTo(TinyJob.CORPUS.size() + 2);
        assertThat(summary.path("data").path("bad_rows").asLong()).isEqualTo(2);
    }

    @Test
    void malformedRowsAboveTheThresholdListTheFileAndTheKey() {
        write(data.resolve("good.jsonl"), corpusJsonl());
        write(data.resolve("bad.jsonl"), jsonLine("the owl sat.") + "{broken\n{broken\n");
        String message = failsWithDataError(train(CliRuns.jsonl(data)));
        assertThat(message).contains("data.path " + data)
                .contains("2 of " + (TinyJob.CORPUS.size() + 3) + " rows")
                .contains("bad.jsonl: 3 rows, 2 malformed, 0 empty, 0 invalid UTF-8")
                .doesNotContain("good.jsonl")
                .contains("data.max_bad_row_fraction = 0.01")
                .contains("clean the data or raise the threshold");
    }

    @Test
    void missingTextColumnListsTheColumnsPresent() {
        StringBuilder sb = new StringBuilder();
        TinyJob.CORPUS.forEach(line -> sb.append("{\"body\": \"").append(line).append("\", \"id\": 1}\n"));
        write(data.resolve("train.jsonl"), sb.toString());
        String message = failsWithDataError(train(CliRuns.jsonl(data)));
        assertThat(message).contains("data.path " + data).contains("column \"text\" not found")
                .contains("(columns: body, id)").contains("set data.text_column");
    }

    @Test
    void promptCompletionDataTrains() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : TinyJob.CORPUS) {
            int cut = line.indexOf(" sat");
            sb.append("{\"question\": \"").append(line, 0, cut).append("\", \"answer\": \"")
                    .append(line.substring(cut)).append("\"}\n");
        }
        write(data.resolve("train.jsonl"), sb.toString());
        JsonNode summary = succeeds(train(CliRuns.jsonl(data)
                + "prompt_column: question\ncompletion_column: answer\n"));
        assertThat(summary.path("data").path("bad_rows").asLong()).isZero();
        assertThat(summary.path("data").path("training_rows").asLong()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void invalidUtf8IsABadRow() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(corpusJsonl().getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("{\"text\": \"the cat ".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
        bytes.writeBytes(" sat\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = write(data.resolve("train.jsonl"), bytes.toByteArray());

        SparkSession spark = LocalSpark.start("local[2]");
        try {
            BadRowReport report = BadRowReport.of(ExampleTable.read(spark, data.toString(), DataFormat.JSONL, "text",
                    null, null));
            assertThat(report.totalRows()).isEqualTo(TinyJob.CORPUS.size() + 1);
            assertThat(report.badRows()).isEqualTo(1);
            assertThat(report.perFile()).hasSize(1);
            assertThat(report.perFile().values().iterator().next()).containsExactly(TinyJob.CORPUS.size() + 1, 0, 0, 1, 0);
        } finally {
            spark.stop();
        }

        JsonNode summary = succeeds(train(CliRuns.jsonl(data) + "max_bad_row_fraction: 0.05\n"));
        assertThat(summary.path("data").path("bad_rows").asLong()).isEqualTo(1);
        assertThat(file).hasBinaryContent(bytes.toByteArray());
    }

    @Test
    void invalidUtf8InTextAndCsvIsABadRowToo() {
        byte[] bad = {'t', 'h', 'e', ' ', (byte) 0xC3, (byte) 0x28, (byte) 0xFF};
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes("the cat sat.\n".getBytes(StandardCharsets.UTF_8));
        text.writeBytes(bad);
        text.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("txt/train.txt"), text.toByteArray());
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        csv.writeBytes("text\nthe cat sat.\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes(bad);
        csv.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("csv/train.csv"), csv.toByteArray());

        SparkSession spark = LocalSpark.start("local[2]");
        try {
            for (DataFormat format : List.of(DataFormat.TEXT, DataFormat.CSV)) {
                String path = dir.resolve(format == DataFormat.TEXT ? "txt" : "csv").toString();
                BadRowReport report = BadRowReport.of(ExampleTable.read(spark, path, format, "text", null, null));
                assertThat(report.perFile().values()).as(format.name()).singleElement()
                        .satisfies(c -> assertThat(c).containsExactly(2, 0, 0, 1, 0));
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void csvTrains() throws Exception {
        StringBuilder sb = new StringBuilder("id,text\n");
        for (int i = 0; i < TinyJob.CORPUS.size(); i++) {
            sb.append(i).append(",\"").append(TinyJob.CORPUS.get(i)).append("\"\n");
        }
        write(data.resolve("train.csv"), sb.toString());
        JsonNode summary = succeeds(train("path: " + data + "\nformat: csv\nmax_seq_len: 16\n"));
        assertThat(summary.path("data").path("input_rows").asLong()).isEqualTo(TinyJob.CORPUS.size());
        assertThat(summary.path("data").path("bad_rows").asLong()).isZero();
    }

    @Test
    void textTrains() throws Exception {
        write(data.resolve("train.txt"), String.join("\n", TinyJob.CORPUS) + "\n");
        JsonNode summary = succeeds(train("path: " + data + "\nformat: text\nmax_seq_len: 16\n"));
        assertThat(summary.path("data").path("input_rows").asLong()).isEqualTo(TinyJob.CORPUS.size());
        assertThat(summary.path("data").path("bad_rows").asLong()).isZero();
    }

    @Test
    void parquetTrains() throws Exception {
        SparkSession spark = LocalSpark.start("local[2]");
        List<Row> rows = TinyJob.CORPUS.stream().map(line -> RowFactory.create(line, line.length())).toList();
        StructType schema = new StructType().add("text", DataTypes.StringType).add("chars", DataTypes.IntegerType);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(data.toString());
        spark.stop();
        JsonNode summary = succeeds(train("path: " + data + "\nformat: parquet\nmax_seq_len: 16\n"));
        assertThat(summary.path("data").path("input_rows").asLong()).isEqualTo(TinyJob.CORPUS.size());
        assertThat(summary.path("data").path("bad_rows").asLong()).isZero();
    }

    @Test
    void longRowsRejectedInsideASparkTaskGiveTheDataMessage() {
        write(data.resolve("train.jsonl"), corpusJsonl());
        // Every corpus line is longer than 5 tokens.
        String message = failsWithDataError(train(CliRuns.jsonl(data) + "packing: false\nlong_rows: reject\n",
                "data.max_seq_len=4"));
        assertThat(message).contains("exceeds data.max_seq_len + 1 = 5").contains("data.long_rows is reject")
                .contains("raise max_seq_len or set long_rows: truncate")
                .doesNotContain("Job aborted").doesNotContain("stage");
    }

    @Test
    void longRowsTruncatedAreCountedInTheSummary() throws Exception {
        write(data.resolve("train.jsonl"), corpusJsonl());
        // Every corpus line is longer than 5 tokens: with long_rows: truncate each trains cut and is counted.
        JsonNode summary = succeeds(train(CliRuns.jsonl(data) + "packing: false\nlong_rows: truncate\n",
                "data.max_seq_len=4"));
        assertThat(summary.path("data").path("truncated_examples").asLong()).isEqualTo(TinyJob.CORPUS.size());
        assertThat(summary.path("data").path("bad_rows").asLong()).isZero();
    }
}
