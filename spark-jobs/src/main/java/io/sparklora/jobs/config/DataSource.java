package io.sparklora.jobs.config;

/**
 * Where one dataset comes from: exactly one of a path (files, or a Delta/Iceberg table on a path, read as
 * data.format says), a table of the session's catalog, or a SQL query whose result columns are the dataset; plus,
 * for versioned tables, the version to read (a Delta version or an Iceberg snapshot id) or a timestamp to read as of.
 *
 * @param prefix "data." for the training data, "data.validation_" for the validation data: the keys' common prefix
 */
public record DataSource(String prefix, String path, String table, String sql, Long version, String timestamp) {
    public enum Kind { PATH, TABLE, SQL }

    public DataSource {
        int set = (path != null ? 1 : 0) + (table != null ? 1 : 0) + (sql != null ? 1 : 0);
        if (set > 1) {
            throw JobConfigException.about(key(prefix, "path"), "set exactly one source of " + dataset(prefix) + ": "
                    + String.join(", ", setKeys(prefix, path, table, sql)) + " are set together; keep " + key(prefix, "path")
                    + " (files or a Delta/Iceberg path), " + key(prefix, "table") + " (a catalog table) or " + key(prefix, "sql")
                    + " (a query)");
        }
        if (set == 0 && (version != null || timestamp != null)) {
            throw JobConfigException.about(key(prefix, version != null ? "version" : "timestamp"),
                    key(prefix, version != null ? "version" : "timestamp") + " needs a versioned source: " + key(prefix, "path")
                            + " with data.format delta or iceberg, or " + key(prefix, "table"));
        }
        blank(key(prefix, "path"), path);
        blank(key(prefix, "table"), table);
        blank(key(prefix, "sql"), sql);
        blank(key(prefix, "timestamp"), timestamp);
        if (version != null && timestamp != null) {
            throw JobConfigException.about(key(prefix, "timestamp"), key(prefix, "version") + " and " + key(prefix, "timestamp")
                    + " are both set; time travel to one of them");
        }
        if (version != null && version < 0) {
            throw JobConfigException.forKey(key(prefix, "version"), "must be >= 0 (a Delta version or an Iceberg snapshot id), got "
                    + version);
        }
        if (sql != null && (version != null || timestamp != null)) {
            throw JobConfigException.about(key(prefix, version != null ? "version" : "timestamp"),
                    key(prefix, version != null ? "version" : "timestamp") + " does not apply to " + key(prefix, "sql")
                            + "; pin each table in the query instead (FROM t VERSION AS OF n)");
        }
    }

    public static DataSource ofPath(String prefix, String path) {
        return new DataSource(prefix, path, null, null, null, null);
    }

    /** Whether any source is set (the validation data is optional). */
    public boolean present() {
        return path != null || table != null || sql != null;
    }

    public Kind kind() {
        return path != null ? Kind.PATH : table != null ? Kind.TABLE : Kind.SQL;
    }

    /** The key of this dataset's setting {@code name}, e.g. "data.validation_table". */
    public String key(String name) {
        return key(prefix, name);
    }

    private static String key(String prefix, String name) {
        return prefix + name;
    }

    /** How messages name this source, e.g. {@code data.table lake.tickets} or {@code data.sql "SELECT ..."}. */
    public String describe() {
        return switch (kind()) {
            case PATH -> key("path") + " " + path;
            case TABLE -> key("table") + " " + table;
            case SQL -> key("sql") + " \"" + abbreviate(sql) + "\"";
        };
    }

    private static String dataset(String prefix) {
        return prefix.equals("data.") ? "the training data" : "the validation data";
    }

    private static java.util.List<String> setKeys(String prefix, String path, String table, String sql) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        if (path != null) {
            keys.add(key(prefix, "path"));
        }
        if (table != null) {
            keys.add(key(prefix, "table"));
        }
        if (sql != null) {
            keys.add(key(prefix, "sql"));
        }
        return keys;
    }

    private static void blank(String key, String value) {
        if (value != null && value.isBlank()) {
            throw JobConfigException.forKey(key, "must not be empty; leave it out instead");
        }
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }
}
