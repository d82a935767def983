package io.sparklora.jobs.data;

/**
 * What executors need to turn examples into rows: tokenizer location and the data section's row settings.
 *
 * @param task a classification job's labels and the encoder's row template; null for a decoder
 */
public record TokenizeSpec(String tokenizerUri, int seqLen, boolean packing, boolean addBos, boolean addEos,
                           boolean rejectLongRows, ClassificationSpec task) implements java.io.Serializable {
    public TokenizeSpec(String tokenizerUri, int seqLen, boolean packing, boolean addBos, boolean addEos,
                        boolean rejectLongRows) {
        this(tokenizerUri, seqLen, packing, addBos, addEos, rejectLongRows, null);
    }
}
