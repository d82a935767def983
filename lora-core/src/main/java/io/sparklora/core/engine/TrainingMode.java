package io.sparklora.core.engine;

/** What a graph trains. */
public enum TrainingMode {
    /** Base weights are constants; only LoRA A/B are variables (the product's purpose). */
    LORA,
    /** Every base weight is a variable and there is no adapter: for comparison benchmarks and pretraining. */
    FULL
}
