package io.sparklora.jobs.config;

/**
 * How the data at data.path is read; written in the job file in lower case. DELTA and ICEBERG are table formats on a
 * path (with time travel: data.version, data.timestamp); the others are files.
 */
public enum DataFormat {
    JSONL, JSON, PARQUET, CSV, TEXT, DELTA, ICEBERG;

    /** A versioned table format rather than plain files. */
    public boolean versioned() {
        return this == DELTA || this == ICEBERG;
    }
}
