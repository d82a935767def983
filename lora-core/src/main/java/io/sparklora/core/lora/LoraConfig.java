package io.sparklora.core.lora;

/**
 * LoRA hyper-parameters (PEFT's names in comments). Defaults live here and nowhere else.
 *
 * @param r         rank of the update B·A ({@code r})
 * @param alpha     scaling numerator ({@code lora_alpha}); the update is scaled by alpha/r, or alpha/sqrt(r) with rsLoRA
 * @param dropout   dropout on the adapter's input ({@code lora_dropout}), in [0, 1)
 * @param targets   modules to adapt ({@code target_modules}); null means the family's PEFT default
 * @param useRslora rank-stabilised scaling ({@code use_rslora})
 * @param seed      seed of A's Kaiming-uniform initialisation and of dropout masks
 */
public record LoraConfig(int r, double alpha, double dropout, TargetModules targets, boolean useRslora, long seed)
        implements java.io.Serializable {
    public static final int DEFAULT_R = 8;
    public static final double DEFAULT_ALPHA = 16;
    public static final double DEFAULT_DROPOUT = 0.0;
    public static final long DEFAULT_SEED = 42;

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("lora r must be > 0, got " + r + "; typical values are 4 to 64");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora alpha must be > 0, got " + alpha + " (and finite); a common choice is 2 x r");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora dropout must be in [0, 1), got " + dropout);
        }
    }

    public static LoraConfig defaults() {
        return new LoraConfig(DEFAULT_R, DEFAULT_ALPHA, DEFAULT_DROPOUT, null, false, DEFAULT_SEED);
    }

    public LoraConfig withTargets(TargetModules t) {
        return new LoraConfig(r, alpha, dropout, t, useRslora, seed);
    }

    /** The factor s in h = W0·x + s·B·A·x. */
    public double scale() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }
}
