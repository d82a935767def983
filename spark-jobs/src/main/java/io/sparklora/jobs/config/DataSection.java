package io.sparklora.jobs.config;

/**
 * The training data and how it becomes token rows.
 *
 * @param source             where the training data comes from: data.path (file, directory or glob on any Hadoop
 *                           filesystem, or a Delta/Iceberg table's path), data.table or data.sql, with time travel
 * @param format             how data.path and data.validation_path are read
 * @param promptColumn       with {@code completionColumn}: examples are prompt/completion pairs (loss on the
 *                           completion only); both null: examples are plain text from {@code textColumn}
 * @param validation         separate validation data (data.validation_path, _table or _sql); none set uses
 *                           {@code validationFraction} of the training data
 * @param validationFraction share of the training rows held out for validation, in [0, 0.5)
 * @param maxBadRowFraction  share of unreadable or rejected rows tolerated before the job fails, in [0, 1]
 * @param blockExamples      examples per packing block: examples are numbered in the dataset's order and packed in
 *                           consecutive blocks of this many, so the rows never depend on the cluster
 */
public record DataSection(DataSource source, DataFormat format, String textColumn, String promptColumn,
                          String completionColumn, DataSource validation, double validationFraction, int maxSeqLen,
                          boolean packing, double maxBadRowFraction, LongRowPolicy longRows, boolean addBos,
                          boolean addEos, int blockExamples) {
    public static final DataFormat DEFAULT_FORMAT = DataFormat.JSONL;
    public static final String DEFAULT_TEXT_COLUMN = "text";
    public static final double DEFAULT_VALIDATION_FRACTION = 0.0;
    public static final int DEFAULT_MAX_SEQ_LEN = 128;
    public static final boolean DEFAULT_PACKING = true;
    public static final double DEFAULT_MAX_BAD_ROW_FRACTION = 0.01;
    public static final LongRowPolicy DEFAULT_LONG_ROWS = LongRowPolicy.TRUNCATE;
    public static final boolean DEFAULT_ADD_BOS = true;
    public static final boolean DEFAULT_ADD_EOS = true;
    public static final int DEFAULT_BLOCK_EXAMPLES = 1024;

    public DataSection {
        Checks.notNull("data.format", format);
        if (!source.present()) {
            throw JobConfigException.forKey("data.path", "is required (or data.table, or data.sql)");
        }
        versionedPath(source, format);
        versionedPath(validation, format);
        Checks.notNull("data.long_rows", longRows);
        if (textColumn == null || textColumn.isBlank()) {
            throw JobConfigException.forKey("data.text_column", "must not be empty; the default is \""
                    + DEFAULT_TEXT_COLUMN + "\"");
        }
        if ((promptColumn == null) != (completionColumn == null)) {
            String set = promptColumn != null ? "data.prompt_column" : "data.completion_column";
            String missing = promptColumn != null ? "data.completion_column" : "data.prompt_column";
            throw JobConfigException.about(set, set + " needs " + missing
                    + ": set both for prompt/completion examples, or neither for plain text from data.text_column");
        }
        if (promptColumn != null && promptColumn.equals(completionColumn)) {
            throw JobConfigException.forKey("data.completion_column", "must differ from data.prompt_column, both are \""
                    + promptColumn + "\"");
        }
        Checks.inRange("data.validation_fraction", validationFraction, 0.0, 0.5, true);
        if (validation.present() && validationFraction > 0) {
            throw JobConfigException.forKey("data.validation_fraction", "must be 0 when "
                    + validation.key(validation.kind().name().toLowerCase(java.util.Locale.ROOT))
                    + " is set; use one source of validation rows");
        }
        if (maxSeqLen < 2) {
            throw JobConfigException.forKey("data.max_seq_len", "must be >= 2 (a row predicts each next token), got "
                    + maxSeqLen);
        }
        Checks.inRange("data.max_bad_row_fraction", maxBadRowFraction, 0.0, 1.0, false);
        if (blockExamples < 1) {
            throw JobConfigException.forKey("data.block_examples", "must be >= 1, got " + blockExamples
                    + "; the default is " + DEFAULT_BLOCK_EXAMPLES);
        }
    }

    /** Time travel on a path needs a table format that has versions. */
    private static void versionedPath(DataSource s, DataFormat format) {
        if (s.kind() == DataSource.Kind.PATH && (s.version() != null || s.timestamp() != null) && !format.versioned()) {
            String key = s.key(s.version() != null ? "version" : "timestamp");
            throw JobConfigException.about(key, key + " needs data.format delta or iceberg (data.format is "
                    + format.name().toLowerCase(java.util.Locale.ROOT) + ": plain files have no versions)");
        }
    }

    /** Plain-text data with every default; mainly for tests and programmatic jobs. */
    public static DataSection of(String path) {
        return new DataSection(DataSource.ofPath("data.", path), DEFAULT_FORMAT, DEFAULT_TEXT_COLUMN, null, null,
                new DataSource("data.validation_", null, null, null, null, null),
                DEFAULT_VALIDATION_FRACTION, DEFAULT_MAX_SEQ_LEN, DEFAULT_PACKING, DEFAULT_MAX_BAD_ROW_FRACTION,
                DEFAULT_LONG_ROWS, DEFAULT_ADD_BOS, DEFAULT_ADD_EOS, DEFAULT_BLOCK_EXAMPLES);
    }

    /** data.path; null when the training data is a table or a query. */
    public String path() {
        return source.path();
    }

    /** data.validation_path, or null. */
    public String validationPath() {
        return validation.path();
    }

    /** True when examples are prompt/completion pairs rather than plain text. */
    public boolean promptCompletion() {
        return promptColumn != null;
    }
}
