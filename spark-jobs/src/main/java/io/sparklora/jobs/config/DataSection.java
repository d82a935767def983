package io.sparklora.jobs.config;

/**
 * The training data and how it becomes token rows.
 *
 * @param path               file, directory or glob, on any Hadoop filesystem
 * @param promptColumn       with {@code completionColumn}: examples are prompt/completion pairs (loss on the
 *                           completion only); both null: examples are plain text from {@code textColumn}
 * @param validationPath     separate validation data; null uses {@code validationFraction} of the training data
 * @param validationFraction share of the training rows held out for validation, in [0, 0.5)
 * @param maxBadRowFraction  share of unreadable or rejected rows tolerated before the job fails, in [0, 1]
 * @param blockExamples      examples per packing block: examples are numbered in the dataset's order and packed in
 *                           consecutive blocks of this many, so the rows never depend on the cluster
 */
public record DataSection(String path, DataFormat format, String textColumn, String promptColumn,
                          String completionColumn, String validationPath, double validationFraction, int maxSeqLen,
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
        Checks.required("data.path", path);
        Checks.notNull("data.format", format);
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
        if (validationPath != null && validationPath.isBlank()) {
            throw JobConfigException.forKey("data.validation_path", "must not be empty; leave it out to hold out"
                    + " data.validation_fraction of the training data");
        }
        Checks.inRange("data.validation_fraction", validationFraction, 0.0, 0.5, true);
        if (validationPath != null && validationFraction > 0) {
            throw JobConfigException.forKey("data.validation_fraction", "must be 0 when data.validation_path is set;"
                    + " use one source of validation rows");
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

    /** Plain-text data with every default; mainly for tests and programmatic jobs. */
    public static DataSection of(String path) {
        return new DataSection(path, DEFAULT_FORMAT, DEFAULT_TEXT_COLUMN, null, null, null,
                DEFAULT_VALIDATION_FRACTION, DEFAULT_MAX_SEQ_LEN, DEFAULT_PACKING, DEFAULT_MAX_BAD_ROW_FRACTION,
                DEFAULT_LONG_ROWS, DEFAULT_ADD_BOS, DEFAULT_ADD_EOS, DEFAULT_BLOCK_EXAMPLES);
    }

    /** True when examples are prompt/completion pairs rather than plain text. */
    public boolean promptCompletion() {
        return promptColumn != null;
    }
}
