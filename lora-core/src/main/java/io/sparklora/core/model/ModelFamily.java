package io.sparklora.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Architectures SparkLoRA knows, keyed by Hugging Face's {@code model_type}. */
public enum ModelFamily {
    /** GPT-2: learned positions, LayerNorm, fused Conv1D attention, GELU (tanh), tied head. */
    GPT2("gpt2"),
    /** LLaMA and the configs that differ from it only in fields (Mistral, Qwen2). */
    LLAMA("llama", "mistral", "qwen2"),
    /** BERT encoder: word + position + token-type embeddings, post-LN layers, exact GELU, the pooler. */
    BERT("bert"),
    /** RoBERTa and XLM-R: BERT's layers, positions counted from the padding id, no pooler. */
    ROBERTA("roberta", "xlm-roberta"),
    /** DeBERTa-v2 and v3: disentangled relative-position attention (c2p, p2c), the ContextPooler. */
    DEBERTA_V2("deberta-v2");

    private final String[] modelTypes;

    ModelFamily(String... modelTypes) {
        this.modelTypes = modelTypes;
    }

    /** Bidirectional encoders with a sequence-classification head, as opposed to causal decoders. */
    public boolean isEncoder() {
        return this == BERT || this == ROBERTA || this == DEBERTA_V2;
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
