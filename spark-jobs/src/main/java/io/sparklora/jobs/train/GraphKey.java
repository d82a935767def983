package io.sparklora.jobs.train;

import io.sparklora.core.graph.GraphMode;
import io.sparklora.core.lora.LoraConfig;

/** Identifies the graphs an executor keeps: same base, adapter shape, sequence length and mode. */
public record GraphKey(String modelUri, LoraConfig lora, int seqLen, GraphMode mode, boolean withDropout)
        implements java.io.Serializable {
}
