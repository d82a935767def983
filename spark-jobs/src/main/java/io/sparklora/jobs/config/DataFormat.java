package io.sparklora.jobs.config;

/** How the data files are read; written in the job file in lower case. */
public enum DataFormat {
    JSONL, JSON, PARQUET, CSV, TEXT
}
