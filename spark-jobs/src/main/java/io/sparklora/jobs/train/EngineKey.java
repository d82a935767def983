package io.sparklora.jobs.train;

import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;

/** Identifies the engines an executor keeps: same base, adapter shape, sequence length, mode and memory policy. */
public record EngineKey(String modelUri, LoraConfig lora, int seqLen, TrainingMode mode, boolean withDropout,
                        boolean activationCheckpointing)
        implements java.io.Serializable {
}
