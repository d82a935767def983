package io.sparklora.jobs.config;

/** What happens to an example longer than data.max_seq_len. */
public enum LongRowPolicy {
    /** Keep its first max_seq_len tokens. */
    TRUNCATE,
    /** Count it as a bad row (bounded by data.max_bad_row_fraction). */
    REJECT
}
