package io.sparklora.core.graph;

/** What a graph trains. */
public enum GraphMode {
    /** Base weights are constants; only LoRA A/B are variables (the product's purpose). */
    LORA,
    /** Every base weight is a variable and there is no adapter: for comparison benchmarks and pretraining. */
    FULL
}
