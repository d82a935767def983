package io.sparklora.jobs.lake;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.DataException;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tables as training data, written by the real libraries in the test: a catalog table created with CREATE TABLE
 * ... USING parquet, a SQL query with a filter and a join, a Delta table with two versions, an Iceberg table in a
 * Hadoop catalog on local disk. Each trains to the same adapter, bit for bit, as the same rows given as a JSON Lines
 * file (in content order: a table has no order of its own); each bad source is one clear error.
 */
class LakehouseSourcesTest {
    private static final int ROUNDS = 4;
    private static final StructType TICKETS = new StructType().add("id", DataTypes.IntegerType)
            .add("text", DataTypes.StringType).add("lang", DataTypes.StringType);

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    /** The ticket rows: id, text (the tiny corpus), lang (en for even ids). */
    static List<Row> tickets;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[2]",
                "spark.sql.warehouse.dir", dir.resolve("warehouse").toUri().toString(),
                "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
                "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog",
                "spark.databricks.delta.retentionDurationCheck.enabled", "false",
                // Delta's defaults are sized for clusters: 50 partitions per snapshot, 10,000 to list a table's files
                "spark.databricks.delta.snapshotPartitions", "2",
                "spark.databricks.delta.fileListingParallelism", "2",
                "spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog",
                "spark.sql.catalog.lake.type", "hadoop",
                "spark.sql.catalog.lake.warehouse", dir.resolve("iceberg").toUri().toString());
        model = TinyJob.model(dir);
        tickets = new ArrayList<>();
        for (int i = 0; i < TinyJob.CORPUS.size(); i++) {
            tickets.add(RowFactory.create(i, TinyJob.CORPUS.get(i), i % 2 == 0 ? "en" : "fr"));
        }
        spark.createDataFrame(tickets, TICKETS).createOrReplaceTempView("all_tickets");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aCatalogTableAndAQueryWithAFilterAndAJoinTrainAsTheirRowsInJsonLines() throws Exception {
        spark.sql("CREATE TABLE tickets (id INT, text STRING, lang STRING) USING parquet");
        spark.sql("INSERT INTO tickets SELECT * FROM all_tickets");
        spark.sql("CREATE TABLE approved (id INT) USING parquet");
        spark.sql("INSERT INTO approved SELECT id FROM all_tickets WHERE id % 3 <> 0");

        float[] table = train("table", "  table: tickets\n");
        assertThat(table).isEqualTo(train("table-jsonl", jsonl("all", texts(tickets))));

        String sql = "SELECT t.text FROM tickets t JOIN approved a ON t.id = a.id WHERE t.lang = 'en'";
        float[] query = train("sql", "  sql: \"" + sql + "\"\n");
        List<String> selected = new ArrayList<>();
        for (Row r : tickets) {
            if (r.getInt(0) % 2 == 0 && r.getInt(0) % 3 != 0) {
                selected.add(r.getString(1));
            }
        }
        assertThat(query).isEqualTo(train("sql-jsonl", jsonl("selected", selected)));
        assertThat(query).isNotEqualTo(table);

        Map<String, Object> source = source("table");
        assertThat(source.get("format")).isEqualTo("table (parquet)");
        assertThat(((Number) source.get("files")).intValue()).isPositive();
        assertThat(source.get("files_sha256")).asString().hasSize(64);
        assertThat(Files.readString(dir.resolve("table").resolve(io.sparklora.jobs.report.RunReport.REPORT))).contains("data.table tickets");
    }

    @Test
    void aDeltaTableTrainsOnVersionZeroWhileVersionOneExistsAndAResumeKeepsReadingIt() throws Exception {
        String path = dir.resolve("delta-tickets").toString();
        spark.createDataFrame(tickets, TICKETS).write().format("delta").save(path); // version 0
        float[] expected = train("delta-jsonl", jsonl("delta-v0", texts(tickets)));

        // A run on the table's current version (0) stops after round 2; version 1 replaces every row; the resumed
        // run still reads version 0, as its checkpoint recorded.
        String current = "  path: " + path + "\n  format: delta\n";
        spark.conf().set(FaultInjection.STOP_AFTER_ROUND, "2");
        try {
            assertThatThrownBy(() -> train("delta-resumed", current)).isInstanceOf(FaultInjection.InjectedStop.class);
        } finally {
            spark.conf().unset(FaultInjection.STOP_AFTER_ROUND);
        }
        spark.createDataFrame(tickets.subList(0, 20), TICKETS).write().format("delta").mode(SaveMode.Overwrite)
                .save(path); // version 1
        assertThat(train("delta-resumed", current)).isEqualTo(expected);
        Map<String, Object> resumed = source("delta-resumed");
        assertThat(resumed.get("version")).isEqualTo(0);
        assertThat(data("delta-resumed").get("snapshot_from_checkpoint")).isEqualTo(true);

        assertThat(train("delta-v0", current + "  version: 0\n")).isEqualTo(expected);
        assertThat(source("delta-v0").get("committed_at")).asString().isNotEmpty();

        // Vacuumed: version 0's files are gone, so training on it is an error, not other data.
        spark.sql("VACUUM delta.`" + path + "` RETAIN 0 HOURS");
        assertThatThrownBy(() -> train("delta-vacuumed", current + "  version: 0\n"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path " + path + ": Delta version 0 cannot be read (")
                .hasMessageContaining("data files no longer exist")
                .hasMessageContaining("train on a version that still exists");
    }

    @Test
    void anIcebergTableInAHadoopCatalogTrainsOnTheSnapshotItNames() throws Exception {
        spark.sql("CREATE TABLE lake.db.tickets (id INT, text STRING, lang STRING) USING iceberg");
        spark.sql("INSERT INTO lake.db.tickets SELECT * FROM all_tickets");
        long first = spark.sql("SELECT snapshot_id FROM lake.db.tickets.snapshots").first().getLong(0);
        spark.sql("INSERT INTO lake.db.tickets SELECT id + 100, concat(text, ' again'), lang FROM all_tickets");

        float[] snapshot = train("iceberg", "  table: lake.db.tickets\n  version: " + first + "\n");
        assertThat(snapshot).isEqualTo(train("iceberg-jsonl", jsonl("iceberg-first", texts(tickets))));
        Map<String, Object> source = source("iceberg");
        assertThat(((Number) source.get("snapshot_id")).longValue()).isEqualTo(first);
        assertThat(source.get("format")).isEqualTo("table (iceberg)");
        // The same table by its path in the Hadoop catalog's warehouse, as data.format: iceberg.
        String path = dir.resolve("iceberg").resolve("db").resolve("tickets").toString();
        assertThat(train("iceberg-path", "  path: " + path + "\n  format: iceberg\n  version: " + first + "\n"))
                .isEqualTo(snapshot);

        assertThatThrownBy(() -> train("iceberg-missing", "  table: lake.db.tickets\n  version: 12345\n"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.table lake.db.tickets: Iceberg snapshot 12345 is not in the table's history");
    }

    @Test
    void eachBadSourceIsOneClearError() {
        spark.createDataFrame(tickets, TICKETS).write().mode(SaveMode.Overwrite).saveAsTable("err_tickets");
        assertThatThrownBy(() -> train("missing", "  table: nowhere.tickets\n")).isInstanceOf(DataException.class)
                .hasMessageStartingWith("data.table nowhere.tickets cannot be read: ")
                .hasMessageContaining("check the name (catalog.database.table)");
        assertThatThrownBy(() -> train("syntax", "  sql: \"SELEC text FROM err_tickets\"\n"))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("data.sql \"SELEC text FROM err_tickets\" cannot be run: ")
                .hasMessageContaining("fix the query");
        assertThatThrownBy(() -> train("columns", "  sql: \"SELECT id, lang FROM err_tickets\"\n"))
                .isInstanceOf(DataException.class)
                .hasMessage("data.sql \"SELECT id, lang FROM err_tickets\": column \"text\" not found (columns: id, "
                        + "lang); set data.text_column to the right column, or select it in the query");
        assertThatThrownBy(() -> train("unversioned", "  table: err_tickets\n  version: 1\n"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("is a parquet table without versions");
    }

    /** Trains the tiny job with {@code data} as the data section's source lines; returns the adapter's θ. */
    private static float[] train(String output, String data) throws Exception {
        String yaml = TinyJob.yaml(model.toString(), "DATA", dir.resolve(output).toString(), 2, ROUNDS)
                .replace("  path: DATA\n  format: jsonl\n", data);
        JobConfig config = JobConfigLoader.parse(yaml, output + ".yaml", List.of());
        RunResult result = new TrainingMaster(spark, config).run();
        assertThat(result.summary().get("status")).isEqualTo("succeeded");
        BaseModel base = BaseModelLoader.load(model);
        return PeftAdapterFiles.read(dir.resolve(output).resolve(RunLayout.ADAPTER), base.layout()).verifiedFor(base)
                .adapter().theta();
    }

    /** The data source lines of a JSON Lines file holding {@code texts} sorted, as a table's rows are ordered. */
    private static String jsonl(String name, List<String> texts) throws Exception {
        List<String> sorted = new ArrayList<>(texts);
        sorted.sort(null);
        StringBuilder sb = new StringBuilder();
        for (String t : sorted) {
            sb.append("{\"text\": \"").append(t).append("\"}\n");
        }
        Path file = dir.resolve(name + ".jsonl");
        Files.writeString(file, sb.toString());
        return "  path: " + file + "\n  format: jsonl\n";
    }

    private static List<String> texts(List<Row> rows) {
        return rows.stream().map(r -> r.getString(1)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(String output) throws Exception {
        Map<String, Object> summary = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                dir.resolve(output).resolve(RunLayout.SUMMARY).toFile(), Map.class);
        return (Map<String, Object>) summary.get("data");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> source(String output) throws Exception {
        return (Map<String, Object>) data(output).get("source");
    }
}
