package io.sparklora.core.adapter;

/** Names fixed by PEFT's adapter file format. */
public final class PeftFormat {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT saves the wrapped model's keys: base_model.model.<module path>.lora_A.weight. */
    public static final String KEY_PREFIX = "base_model.model.";
    /** PEFT's task types: a decoder's adapter, and an encoder classifier's (which also saves the head). */
    public static final String TASK_CAUSAL_LM = "CAUSAL_LM";
    public static final String TASK_SEQ_CLS = "SEQ_CLS";
    /** safetensors metadata key holding the base model's fingerprint. */
    public static final String FINGERPRINT_KEY = "sparklora.base_fingerprint";

    private PeftFormat() {
    }
}
