package io.sparklora.core.bench;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;

import java.util.List;

/**
 * A model shape and batch the benchmarks run: the model's config plus rows × seqLen tokens per step, and whether the
 * benchmarks train it with activation checkpointing.
 */
public record BenchShape(String name, ModelConfig config, int rows, int seqLen, boolean checkpointing) {
    /** LLaMA family, 6 layers, hidden 512, 8 heads, SwiGLU 1376, vocabulary 6144: 25.3M parameters; 4 × 256 tokens. */
    public static final BenchShape BENCH_SMALL = new BenchShape("bench-small",
            new ModelConfig(ModelFamily.LLAMA, "llama", 6144, 512, 6, 8, 8, 64, 1376, 256, 1e-6, 10000, false,
                    false, false, false, 0), 4, 256, false);

    /**
     * GPT-2 small (Hugging Face "gpt2"): vocabulary 50257, 12 layers, n_embd 768, 12 heads, n_inner 3072, 1024
     * learned positions, tied embeddings, layer_norm_epsilon 1e-5: 124.4M parameters; 4 × 256 tokens.
     */
    public static final BenchShape GPT2_SMALL = new BenchShape("gpt2-small",
            new ModelConfig(ModelFamily.GPT2, "gpt2", 50257, 768, 12, 12, 12, 64, 3072, 1024, 1e-5, 0.0, true,
                    true, true, true, 0), 4, 256, false);

    /**
     * Qwen2-0.5B's shape (model_type qwen2): vocabulary 151936, hidden 896, 24 layers, 14 heads over 2 key/value
     * heads of 64, SwiGLU 4864, tied embeddings, q/k/v biases, rope_theta 1e6, rms eps 1e-6: 494.0M parameters;
     * 2 × 512 tokens, trained with activation checkpointing. A memory benchmark only (MemoryBench).
     */
    public static final BenchShape QWEN2_05B = new BenchShape("qwen2-0.5b",
            new ModelConfig(ModelFamily.LLAMA, "qwen2", 151936, 896, 24, 14, 2, 64, 4864, 32768, 1e-6, 1e6, true,
                    true, false, false, 0), 2, 512, true);

    public static BenchShape named(String name, ModelConfig demoConfig) {
        return switch (name) {
            case "bench-small" -> BENCH_SMALL;
            case "gpt2-small" -> GPT2_SMALL;
            case "qwen2-0.5b" -> QWEN2_05B;
            // The shipped demo model at the demo's batch (conf/demo.yaml: batch_rows 16, max_seq_len 32).
            case "demo" -> new BenchShape("demo", demoConfig, 16, 32, false);
            default -> throw new IllegalArgumentException("unknown bench shape '" + name
                    + "'; use bench-small, gpt2-small, qwen2-0.5b or demo");
        };
    }

    public int tokens() {
        return rows * seqLen;
    }

    /**
     * The adapter every benchmark trains: r = 8, alpha 16, no dropout, on the family's PEFT default modules (q_proj
     * and v_proj for the LLaMA family, the fused c_attn for GPT-2).
     */
    public LoraConfig lora() {
        List<String> targets = switch (config.family()) {
            case GPT2 -> List.of("c_attn");
            case LLAMA -> List.of("q_proj", "v_proj");
            case BERT, ROBERTA -> List.of("query", "value");
            case DEBERTA_V2 -> List.of("query_proj", "value_proj");
        };
        return new LoraConfig(LoraConfig.DEFAULT_R, LoraConfig.DEFAULT_ALPHA, 0.0, new TargetModules.Names(targets), false,
                LoraConfig.DEFAULT_SEED);
    }
}
