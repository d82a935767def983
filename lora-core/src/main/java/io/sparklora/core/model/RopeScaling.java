package io.sparklora.core.model;

/**
 * The {@code rope_scaling} of a LLaMA-family config.json: how the rotary inverse frequencies are rescaled for
 * contexts longer than the model was pretrained on. {@link #inverseFrequencies} is transformers'
 * {@code ROPE_INIT_FUNCTIONS[rope_type]} operation for operation, in float32 as torch computes them (one rounding per
 * tensor op), so the rotary angles are Hugging Face's.
 *
 * @param factor                      context extension factor (linear, llama3)
 * @param lowFreqFactor               llama3: wavelengths above original / low_freq_factor are divided by factor
 * @param highFreqFactor              llama3: wavelengths below original / high_freq_factor stay as they are
 * @param originalMaxPositions        llama3: the pretraining context, original_max_position_embeddings
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    /** The rope types SparkLoRA computes; config.json's {@code rope_type} (or the older {@code type}) names them. */
    public enum Type {
        NONE("default"), LINEAR("linear"), LLAMA3("llama3");

        public final String jsonName;

        Type(String jsonName) {
            this.jsonName = jsonName;
        }
    }

    /** Plain rotary embeddings: no rope_scaling, or rope_type "default". */
    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 0, 0, 0);

    public RopeScaling {
        if (type == null) {
            throw new IllegalArgumentException("rope_scaling type must not be null; use RopeScaling.NONE");
        }
        if (type != Type.NONE && !(factor >= 1)) {
            throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
        }
        if (type == Type.LLAMA3) {
            if (!(lowFreqFactor > 0)) {
                throw new IllegalArgumentException("rope_scaling.low_freq_factor must be > 0, got " + lowFreqFactor);
            }
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling.high_freq_factor (" + highFreqFactor
                        + ") must be greater than low_freq_factor (" + lowFreqFactor + ")");
            }
            if (originalMaxPositions <= 0) {
                throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be > 0, got "
                        + originalMaxPositions);
            }
        }
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }

    /** inv_freq [D/2] for head width D and rope_theta, as transformers' rope init function returns it (float32). */
    public float[] inverseFrequencies(int headDim, double theta) {
        float[] inv = defaultInverseFrequencies(headDim, theta);
        switch (type) {
            case NONE -> {
            }
            case LINEAR -> {
                float f = (float) factor; // inv_freq /= factor
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = inv[i] / f;
                }
            }
            case LLAMA3 -> llama3(inv);
        }
        return inv;
    }

    /** 1 / theta ** (arange(0, D, 2).float() / D): the exponent in float32, the power as torch does it. */
    private static float[] defaultInverseFrequencies(int headDim, double theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
        return inv;
    }

    /**
     * transformers' {@code _compute_llama3_parameters}: wavelengths shorter than original / high_freq_factor are
     * kept, longer than original / low_freq_factor divided by factor, and those between interpolated smoothly.
     * Each tensor op is one float32 rounding; a Python scalar meets a float32 tensor as a float32, and
     * {@code scalar / tensor} is {@code tensor.reciprocal() * scalar}.
     */
    private void llama3(float[] inv) {
        float f = (float) factor;
        float low = (float) lowFreqFactor;
        float span = (float) (highFreqFactor - lowFreqFactor); // Python floats: subtracted in double
        float lowFreqWavelen = (float) (originalMaxPositions / lowFreqFactor);
        float highFreqWavelen = (float) (originalMaxPositions / highFreqFactor);
        float twoPi = (float) (2 * Math.PI);
        float oldContext = (float) originalMaxPositions;
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (1.0f / inv[i]) * twoPi;
            float scaled = wavelen > lowFreqWavelen ? inv[i] / f : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = ((1.0f / wavelen) * oldContext - low) / span;
                scaled = (1 - smooth) * scaled / f + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }
}
