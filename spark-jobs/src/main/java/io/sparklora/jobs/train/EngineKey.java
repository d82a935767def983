package io.sparklora.jobs.train;

import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.jobs.data.ClassificationSpec;

/**
 * Identifies the engines an executor keeps: same base, adapter shape, sequence length, mode and memory policy, and
 * for a sequence classifier its head (labels and problem type).
 *
 * @param task a classification job's task: the engine is a sequence classifier with this head; null for a decoder
 */
public record EngineKey(String modelUri, LoraConfig lora, int seqLen, TrainingMode mode, boolean withDropout,
                        boolean activationCheckpointing, ClassificationSpec task)
        implements java.io.Serializable {

    /** A decoder's engine. */
    public EngineKey(String modelUri, LoraConfig lora, int seqLen, TrainingMode mode, boolean withDropout,
                     boolean activationCheckpointing) {
        this(modelUri, lora, seqLen, mode, withDropout, activationCheckpointing, null);
    }
}
