package io.sparklora.core.bench;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;

/** A model shape and batch the benchmarks run: the model's config plus rows × seqLen tokens per step. */
public record BenchShape(String name, ModelConfig config, int rows, int seqLen) {
    /** LLaMA family, 6 layers, hidden 512, 8 heads, SwiGLU 1376, vocabulary 6144: 25.3M parameters; 4 × 256 tokens. */
    public static final BenchShape BENCH_SMALL = new BenchShape("bench-small",
            new ModelConfig(ModelFamily.LLAMA, "llama", 6144, 512, 6, 8, 8, 64, 1376, 256, 1e-6, 10000, false,
                    false, false, false, 0), 4, 256);

    public static BenchShape named(String name, ModelConfig demoConfig) {
        return switch (name) {
            case "bench-small" -> BENCH_SMALL;
            // The shipped demo model at the demo's batch (conf/demo.yaml: batch_rows 16, max_seq_len 32).
            case "demo" -> new BenchShape("demo", demoConfig, 16, 32);
            default -> throw new IllegalArgumentException("unknown bench shape '" + name + "'; use bench-small or demo");
        };
    }

    public int tokens() {
        return rows * seqLen;
    }
}
