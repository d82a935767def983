package io.sparklora.jobs.data;

import io.sparklora.jobs.config.DataSource;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The versions of a Delta or Iceberg table, from the table's own history, and which one a job reads: the version
 * it names, the last one committed at or before its timestamp, or the current one. Delta's history comes from the
 * DeltaTable API, Iceberg's from its {@code history} metadata table (the snapshots that were current, in order).
 */
final class TableVersions {
    /** One version: a Delta version or an Iceberg snapshot id, and when it was committed (made current). */
    record Version(long id, Timestamp committed) {
    }

    private final String what;
    private final String kind;
    private final List<Version> versions;

    private TableVersions(String what, String kind, List<Version> versions) {
        this.what = what;
        this.kind = kind;
        this.versions = versions;
    }

    static TableVersions delta(SparkSession spark, DataSource source) {
        requireClass("io.delta.tables.DeltaTable", "Delta Lake", DependencyNotes.DELTA);
        Dataset<Row> history;
        try {
            history = source.kind() == DataSource.Kind.PATH
                    ? io.delta.tables.DeltaTable.forPath(spark, source.path()).history()
                    : io.delta.tables.DeltaTable.forName(spark, source.table()).history();
        } catch (Exception e) {
            throw new DataException(source.describe() + " cannot be read as a Delta table: "
                    + ExampleTable.firstLine(e.getMessage()) + "; check the path (the directory holding _delta_log)", e);
        }
        List<Version> out = new ArrayList<>();
        for (Row r : history.select(col("version"), col("timestamp")).collectAsList()) {
            out.add(new Version(r.getLong(0), r.getTimestamp(1)));
        }
        return new TableVersions(source.describe(), "Delta version", sorted(out));
    }

    /** {@code historyTable}: the history metadata table (path#history, or catalog.db.table.history). */
    static TableVersions iceberg(SparkSession spark, DataSource source) {
        requireClass("org.apache.iceberg.spark.SparkCatalog", "Apache Iceberg", DependencyNotes.ICEBERG);
        if (source.kind() == DataSource.Kind.PATH) {
            pathCatalog(spark, source.path());
        }
        Dataset<Row> history;
        try {
            history = source.kind() == DataSource.Kind.PATH
                    ? spark.read().format("iceberg").load(source.path() + "#history")
                    : spark.table(source.table() + ".history");
            history = history.where(col("is_current_ancestor")).select(col("snapshot_id"), col("made_current_at"));
        } catch (Exception e) {
            throw new DataException(source.describe() + " cannot be read as an Iceberg table: "
                    + ExampleTable.firstLine(e.getMessage()) + "; check the path or table name", e);
        }
        List<Version> out = new ArrayList<>();
        for (Row r : history.collectAsList()) {
            out.add(new Version(r.getLong(0), r.getTimestamp(1)));
        }
        return new TableVersions(source.describe(), "Iceberg snapshot", sorted(out));
    }

    /**
     * Iceberg reads a table by its path through its default path catalog, which is a Hive catalog unless the session
     * configures it; without Hive on the classpath that catalog cannot start. Then make it a Hadoop catalog (path
     * reads use Iceberg's HadoopTables either way), without caching, so each run sees the table's current history.
     */
    private static void pathCatalog(SparkSession spark, String path) {
        String key = "spark.sql.catalog.default_iceberg";
        if (spark.conf().getOption(key).isDefined()) {
            return;
        }
        try {
            Class.forName("org.apache.hadoop.hive.metastore.api.NoSuchObjectException", false,
                    Thread.currentThread().getContextClassLoader());
            return; // Iceberg's default Hive catalog can start
        } catch (ClassNotFoundException e) {
            spark.conf().set(key, "org.apache.iceberg.spark.SparkCatalog");
            spark.conf().set(key + ".type", "hadoop");
            spark.conf().set(key + ".warehouse", new org.apache.hadoop.fs.Path(path).getParent().toString());
            spark.conf().set(key + ".cache-enabled", "false");
        }
    }

    private static List<Version> sorted(List<Version> versions) {
        List<Version> out = new ArrayList<>(versions);
        out.sort(Comparator.comparing(Version::committed).thenComparingLong(Version::id));
        return out;
    }

    /** The version to read: {@code id} when given, else the last committed at or before {@code asOf}, else the current. */
    Version choose(Long id, Timestamp asOf, String asOfText) {
        if (versions.isEmpty()) {
            throw new DataException(what + " has no " + kind + " yet: the table is empty; write data to it first");
        }
        if (id != null) {
            return versions.stream().filter(v -> v.id() == id).findFirst().orElseThrow(() -> new DataException(
                    what + ": " + kind + " " + id + " is not in the table's history (it has " + describeRange()
                            + "); it was never written, or it was vacuumed or expired; train on a version that exists"));
        }
        if (asOf != null) {
            Version chosen = null;
            for (Version v : versions) {
                if (!v.committed().after(asOf)) {
                    chosen = v;
                }
            }
            if (chosen == null) {
                throw new DataException(what + ": no " + kind + " was committed at or before " + asOfText
                        + " (the first is from " + versions.get(0).committed().toInstant() + "); choose a later timestamp");
            }
            return chosen;
        }
        return versions.get(versions.size() - 1);
    }

    Version current() {
        return versions.get(versions.size() - 1);
    }

    private String describeRange() {
        if (versions.size() <= 5) {
            return kind + "s " + versions.stream().map(v -> Long.toString(v.id())).toList();
        }
        return versions.size() + " " + kind + "s, " + versions.get(0).id() + " to " + current().id();
    }

    private static void requireClass(String name, String library, String fix) {
        try {
            Class.forName(name, false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new DataException(library + " is not on the classpath; " + fix);
        }
    }
}
