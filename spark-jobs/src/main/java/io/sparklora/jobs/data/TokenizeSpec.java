package io.sparklora.jobs.data;

/** What executors need to turn examples into rows: tokenizer location and the data section's row settings. */
public record TokenizeSpec(String tokenizerUri, int seqLen, boolean packing, boolean addBos, boolean addEos,
                           boolean rejectLongRows) implements java.io.Serializable {
}
