package io.sparklora.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Decoder architectures the graph builder knows, keyed by Hugging Face's {@code model_type}. */
public enum ModelFamily {
    /** GPT-2: learned positions, LayerNorm, fused Conv1D attention, GELU (tanh), tied head. */
    GPT2("gpt2"),
    /** LLaMA and the configs that differ from it only in fields (Mistral, Qwen2). */
    LLAMA("llama", "mistral", "qwen2");

    private final String[] modelTypes;

    ModelFamily(String... modelTypes) {
        this.modelTypes = modelTypes;
    }

    public static ModelFamily forModelType(String modelType, String source) {
        for (ModelFamily family : values()) {
            for (String type : family.modelTypes) {
                if (type.equals(modelType.toLowerCase(Locale.ROOT))) {
                    return family;
                }
            }
        }
        throw new IllegalArgumentException(source + ": model_type \"" + modelType + "\" is not supported; supported: "
                + Arrays.stream(values()).flatMap(f -> Arrays.stream(f.modelTypes)).collect(Collectors.joining(", ")));
    }
}
