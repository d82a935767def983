package io.sparklora.core.model;

/**
 * One linear map of the base model, by its Hugging Face module path ({@code model.layers.0.self_attn.q_proj}).
 *
 * @param conv1d true for GPT-2's Conv1D, whose weight is stored [in, out]; nn.Linear stores [out, in]
 */
public record LinearModule(String path, int inFeatures, int outFeatures, boolean hasBias, boolean conv1d) {
    public LinearModule {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("module path must not be blank");
        }
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(path + ": features must be > 0, got in=" + inFeatures + " out=" + outFeatures);
        }
    }

    public String weightName() {
        return path + ".weight";
    }

    public String biasName() {
        return path + ".bias";
    }

    /** The weight's shape as stored in the checkpoint. */
    public long[] weightShape() {
        return conv1d ? new long[] {inFeatures, outFeatures} : new long[] {outFeatures, inFeatures};
    }

    /** The last dotted component, the name PEFT's target lists usually use ({@code q_proj}, {@code c_attn}). */
    public String shortName() {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
