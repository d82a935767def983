package io.sparklora.core.adapter;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;

/**
 * A LoRA adapter as PEFT stores it: its configuration, θ in the plan's layout, the base it was trained on
 * ({@code base_model_name_or_path}) and that base's fingerprint (empty for adapters not written by SparkLoRA).
 */
public record PeftAdapter(LoraConfig config, float[] theta, String baseModelNameOrPath, String baseFingerprint) {
    public PeftAdapter {
        if (theta == null) {
            throw new IllegalArgumentException("adapter parameters must not be null");
        }
        baseModelNameOrPath = baseModelNameOrPath == null ? "" : baseModelNameOrPath;
        baseFingerprint = baseFingerprint == null ? "" : baseFingerprint;
    }

    /** Checks that θ fits the plan (same size); the reader has already matched names and shapes. */
    public float[] thetaFor(LoraPlan plan) {
        plan.layout().checkSize(theta);
        return theta.clone();
    }
}
