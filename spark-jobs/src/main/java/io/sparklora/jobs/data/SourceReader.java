package io.sparklora.jobs.data;

import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.DataSource;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.lit;

/**
 * Resolves one dataset's source once, on the driver, to a fixed snapshot ({@link SourceSnapshot}) and reads exactly
 * that: a Delta version or Iceberg snapshot (the one named, the one current at the timestamp, or the current one),
 * or files, a catalog table or a query as their files are now. A resumed run passes the snapshot its checkpoint
 * recorded: a versioned table is read at that version whatever it holds now; other sources must still be as they
 * were. A snapshot that is gone (vacuumed, expired, files changed) is an error, never other data.
 */
final class SourceReader {
    private static final Logger LOG = LoggerFactory.getLogger(SourceReader.class);

    /**
     * @param fileOrdered whether the rows carry their file and split ({@link ExampleTable}) and so come in file
     *                    order; tables and queries have no order of their own and are ordered by content
     */
    record Read(Dataset<Row> raw, boolean fileOrdered, SourceSnapshot snapshot) {
    }

    private SourceReader() {
    }

    static Read read(SparkSession spark, DataSource source, DataFormat format, SourceSnapshot.Pinned pinned) {
        Read read = switch (source.kind()) {
            case PATH -> format == DataFormat.DELTA ? versioned(spark, source, "delta", pinned)
                    : format == DataFormat.ICEBERG ? versioned(spark, source, "iceberg", pinned)
                    : files(spark, source, format);
            case TABLE -> table(spark, source, pinned);
            case SQL -> query(spark, source);
        };
        if (pinned != null && !read.snapshot().versioned()) {
            checkUnchanged(source, read.snapshot(), pinned);
        }
        return read;
    }

    private static Read files(SparkSession spark, DataSource source, DataFormat format) {
        Dataset<Row> raw = ExampleTable.readFiles(spark, source.path(), source.describe(), format);
        String name = format.name().toLowerCase(Locale.ROOT);
        return new Read(raw, true, new SourceSnapshot(source.describe(), name, null, null,
                fileStates(spark, inputFiles(spark, raw, source.path()), source)));
    }

    /**
     * The files a read of {@code path} covers. A cached read (JSON and CSV, see ExampleTable) names none, so those
     * are listed by an uncached reader of the same path; without them a resumed run could not tell changed files.
     */
    private static String[] inputFiles(SparkSession spark, Dataset<Row> raw, String path) {
        String[] files = raw.inputFiles();
        return files.length > 0 ? files : spark.read().text(path).inputFiles();
    }

    private static Read table(SparkSession spark, DataSource source, SourceSnapshot.Pinned pinned) {
        String provider = provider(spark, source);
        if (provider.equals("delta") || provider.equals("iceberg")) {
            return versioned(spark, source, provider, pinned);
        }
        if (source.version() != null || source.timestamp() != null) {
            throw new DataException(source.key(source.version() != null ? "version" : "timestamp") + ": "
                    + source.describe() + " is a " + (provider.isEmpty() ? "view or table" : provider + " table")
                    + " without versions; time travel needs a Delta or Iceberg table (remove the setting)");
        }
        Dataset<Row> raw = spark.table(source.table());
        return new Read(raw, false, new SourceSnapshot(source.describe(), provider.isEmpty() ? "view" : "table ("
                + provider + ")", null, null, fileStates(spark, raw.inputFiles(), source)));
    }

    private static Read query(SparkSession spark, DataSource source) {
        Dataset<Row> raw;
        try {
            raw = spark.sql(source.sql());
        } catch (Exception e) {
            throw new DataException(source.describe() + " cannot be run: " + ExampleTable.firstLine(e.getMessage())
                    + "; fix the query (try it in spark-sql first)", e);
        }
        return new Read(raw, false, new SourceSnapshot(source.describe(), "query", null, null,
                fileStates(spark, raw.inputFiles(), source)));
    }

    /** A Delta or Iceberg table ({@code kind}) on a path or in the catalog, read at one version. */
    private static Read versioned(SparkSession spark, DataSource source, String kind, SourceSnapshot.Pinned pinned) {
        TableVersions versions = kind.equals("delta") ? TableVersions.delta(spark, source)
                : TableVersions.iceberg(spark, source);
        TableVersions.Version chosen;
        if (pinned != null) {
            chosen = versions.choose(pinned.version(), null, null);
            LOG.info("{}: the resumed run reads {} {} as its checkpoint recorded{}", source.describe(),
                    kind.equals("delta") ? "Delta version" : "Iceberg snapshot", chosen.id(),
                    versions.current().id() == chosen.id() ? ""
                            : " (the table has moved on to " + versions.current().id() + " since)");
        } else {
            chosen = versions.choose(source.version(), timestamp(spark, source), source.timestamp());
        }
        Dataset<Row> raw;
        try {
            raw = readVersion(spark, source, kind, chosen.id());
        } catch (Exception e) {
            throw gone(source, kind, chosen.id(), ExampleTable.firstLine(e.getMessage()), e);
        }
        if (kind.equals("delta")) {
            List<String> missing = missing(spark, raw.inputFiles());
            if (!missing.isEmpty()) {
                throw gone(source, kind, chosen.id(), missing.size() + " of its " + raw.inputFiles().length
                        + " data files no longer exist, e.g. " + missing.get(0), null);
            }
        }
        String format = source.kind() == DataSource.Kind.PATH ? kind : "table (" + kind + ")";
        return new Read(raw, false, new SourceSnapshot(source.describe(), format, chosen.id(),
                chosen.committed().toInstant().toString(), List.of()));
    }

    private static Dataset<Row> readVersion(SparkSession spark, DataSource source, String kind, long id) {
        if (source.kind() == DataSource.Kind.TABLE) {
            return spark.sql("SELECT * FROM " + source.table() + " VERSION AS OF " + id);
        }
        // Both take Spark's own time-travel option (Iceberg's Spark 4.1 reader refuses its older snapshot-id option).
        return spark.read().format(kind).option("versionAsOf", id).load(source.path());
    }

    private static DataException gone(DataSource source, String kind, long id, String why, Exception cause) {
        String what = kind.equals("delta") ? "Delta version " : "Iceberg snapshot ";
        return new DataException(source.describe() + ": " + what + id + " cannot be read (" + why + "); when a "
                + "version was " + (kind.equals("delta") ? "vacuumed" : "expired") + " or its files were removed, "
                + "training on it would mean other data: train on a version that still exists, with a new output.path",
                cause);
    }

    /** data.timestamp as a timestamp of the session's time zone; null when not set. */
    private static Timestamp timestamp(SparkSession spark, DataSource source) {
        if (source.timestamp() == null) {
            return null;
        }
        Timestamp t = null;
        try {
            t = spark.range(1).select(lit(source.timestamp()).cast("timestamp")).first().getTimestamp(0);
        } catch (Exception e) {
            // an unparsable string: ANSI mode throws, otherwise the cast gives null; both are reported below
        }
        if (t == null) {
            throw new DataException(source.key("timestamp") + " \"" + source.timestamp() + "\" is not a timestamp; "
                    + "write it as 2026-11-28 09:30:00 (the session's time zone) or 2026-11-28T09:30:00Z");
        }
        return t;
    }

    /** The catalog table's provider in lower case (delta, iceberg, parquet, ...), "" for a view. */
    private static String provider(SparkSession spark, DataSource source) {
        List<Row> rows;
        try {
            rows = spark.sql("DESCRIBE TABLE EXTENDED " + source.table()).collectAsList();
        } catch (Exception e) {
            throw new DataException(source.describe() + " cannot be read: " + ExampleTable.firstLine(e.getMessage())
                    + "; check the name (catalog.database.table) and that the session's catalog holds it", e);
        }
        for (Row r : rows) {
            if ("Provider".equalsIgnoreCase(String.valueOf(r.get(0)).strip())) {
                return String.valueOf(r.get(1)).strip().toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }

    /** Every input file's path, size and modification time, sorted by path. */
    static List<SourceSnapshot.FileState> fileStates(SparkSession spark, String[] inputFiles, DataSource source) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Set<String> paths = new TreeSet<>(List.of(inputFiles));
        List<SourceSnapshot.FileState> out = new ArrayList<>();
        for (String p : paths) {
            try {
                Path path = new Path(p);
                FileStatus st = path.getFileSystem(conf).getFileStatus(path);
                out.add(new SourceSnapshot.FileState(p, st.getLen(), st.getModificationTime()));
            } catch (IOException e) {
                throw new DataException(source.describe() + ": input file " + p + " cannot be read ("
                        + e.getMessage() + "); rerun once nothing writes to the data", e);
            }
        }
        out.sort(Comparator.comparing(SourceSnapshot.FileState::path));
        return out;
    }

    /** Files of {@code paths} that do not exist, listing each directory once. */
    private static List<String> missing(SparkSession spark, String[] paths) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<Path, Set<String>> present = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            Path path = new Path(p);
            Set<String> names = present.computeIfAbsent(path.getParent(), dir -> {
                Set<String> s = new TreeSet<>();
                try {
                    FileSystem fs = dir.getFileSystem(conf);
                    for (FileStatus st : fs.listStatus(dir)) {
                        s.add(st.getPath().getName());
                    }
                } catch (FileNotFoundException e) {
                    // the directory is gone: none of its files exist
                } catch (IOException e) {
                    throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
                }
                return s;
            });
            if (!names.contains(path.getName())) {
                out.add(p);
            }
        }
        return out;
    }

    /** Files, plain tables and queries cannot be read as they were: they must still be so. */
    private static void checkUnchanged(DataSource source, SourceSnapshot now, SourceSnapshot.Pinned pinned) {
        if (pinned.filesSha256() == null || pinned.filesSha256().equals(now.filesSha256())) {
            LOG.info("{}: the resumed run reads the same {} input files its checkpoint recorded", source.describe(),
                    now.files().size());
            return;
        }
        throw new DataException(source.describe() + " changed since the run started: " + now.files().size()
                + " input files now, " + pinned.files() + " recorded in the checkpoint, and their paths, sizes or "
                + "modification times differ (listing " + now.filesSha256() + ", recorded " + pinned.filesSha256()
                + "); files cannot be read as they were: restore them to resume, or start over with a new "
                + "output.path" + (source.kind() == DataSource.Kind.PATH ? "" : " (a Delta or Iceberg table, or a query "
                + "that pins its tables with VERSION AS OF, can be resumed after it moves on)"));
    }
}
