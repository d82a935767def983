package io.sparklora.jobs.config;

/**
 * A job configuration that cannot be used, told in one line (or a short list) that names where the value came from
 * (the file or the {@code --set}), the key and the fix.
 */
public final class JobConfigException extends RuntimeException {
    private final String key;
    private final boolean located;

    /** A complete message that already says where the problem is. */
    public JobConfigException(String message) {
        this(message, null, true);
    }

    private JobConfigException(String message, String key, boolean located) {
        super(message);
        this.key = key;
        this.located = located;
    }

    /** A problem with one value; the message starts with the full key, e.g. {@code train.learning_rate must be > 0}. */
    static JobConfigException forKey(String fullKey, String problem) {
        return new JobConfigException(fullKey + " " + problem, fullKey, false);
    }

    /** A problem about one key, worded freely; {@link #in} later says where the value came from. */
    static JobConfigException about(String fullKey, String message) {
        return new JobConfigException(message, fullKey, false);
    }

    /** The full key (section.key) this problem is about, or null when it concerns no single key. */
    public String key() {
        return key;
    }

    /** Whether the message already names the file or {@code --set} the value came from. */
    boolean located() {
        return located;
    }

    /** The same problem, prefixed with where the offending value came from. */
    JobConfigException in(String origin) {
        return new JobConfigException(origin + ": " + getMessage(), key, true);
    }
}
