package io.sparklora.core.model;

/**
 * The architecture hyper-parameters of a decoder or an encoder, read from a Hugging Face {@code config.json}.
 *
 * @param slidingWindow attention window in tokens (Mistral), 0 for full causal attention
 * @param headDim       per-head width; usually hiddenSize / numHeads, config.json's head_dim when it says otherwise
 * @param ropeScaling   rotary frequency scaling (LLaMA family), {@link RopeScaling#NONE} for plain rotary or GPT-2
 * @param encoder       an encoder's token types, padding id and classification head; null for a decoder
 */
public record ModelConfig(
        ModelFamily family,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int maxPositions,
        double normEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputProjBias,
        boolean mlpBias,
        int slidingWindow,
        RopeScaling ropeScaling,
        EncoderConfig encoder) {

    /** A configuration with plain rotary embeddings (or none: GPT-2). */
    public ModelConfig(ModelFamily family, String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int intermediateSize, int maxPositions, double normEps,
                       double ropeTheta, boolean tieWordEmbeddings, boolean qkvBias, boolean outputProjBias,
                       boolean mlpBias, int slidingWindow) {
        this(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize,
                maxPositions, normEps, ropeTheta, tieWordEmbeddings, qkvBias, outputProjBias, mlpBias, slidingWindow,
                RopeScaling.NONE);
    }

    /** A decoder configuration. */
    public ModelConfig(ModelFamily family, String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int intermediateSize, int maxPositions, double normEps,
                       double ropeTheta, boolean tieWordEmbeddings, boolean qkvBias, boolean outputProjBias,
                       boolean mlpBias, int slidingWindow, RopeScaling ropeScaling) {
        this(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize,
                maxPositions, normEps, ropeTheta, tieWordEmbeddings, qkvBias, outputProjBias, mlpBias, slidingWindow,
                ropeScaling, null);
    }

    /** An encoder configuration (BERT, RoBERTa): full multi-head attention, biases everywhere, no rotary positions. */
    public static ModelConfig encoder(ModelFamily family, String modelType, int vocabSize, int hiddenSize, int numLayers,
                                      int numHeads, int intermediateSize, int maxPositions, double normEps,
                                      EncoderConfig encoder) {
        if (numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be divisible by num_attention_heads ("
                    + numHeads + ")");
        }
        return new ModelConfig(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numHeads,
                hiddenSize / numHeads, intermediateSize, maxPositions, normEps, 0.0, false, true, true, true, 0,
                RopeScaling.NONE, encoder);
    }

    public ModelConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositions);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (family == ModelFamily.GPT2 && headDim * numHeads != hiddenSize) {
            throw new IllegalArgumentException("n_embd (" + hiddenSize + ") must be divisible by n_head (" + numHeads + ")");
        }
        if (family == ModelFamily.LLAMA && headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for rotary embeddings");
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException("the norm epsilon must be > 0, got " + normEps);
        }
        if (ropeScaling == null) {
            throw new IllegalArgumentException("ropeScaling must not be null; use RopeScaling.NONE");
        }
        if (family == ModelFamily.GPT2 && ropeScaling.type() != RopeScaling.Type.NONE) {
            throw new IllegalArgumentException("gpt2 has learned positions, not rotary ones: rope_scaling does not apply");
        }
        if (family.isEncoder() != (encoder != null)) {
            throw new IllegalArgumentException(family.isEncoder() ? modelType + " is an encoder: it needs its encoder settings"
                    : modelType + " is a decoder: it has no encoder settings");
        }
        if (encoder != null && (family == ModelFamily.DEBERTA_V2) != (encoder.deberta() != null)) {
            throw new IllegalArgumentException(family == ModelFamily.DEBERTA_V2
                    ? modelType + " needs DeBERTa's relative-attention settings" : modelType + " has no DeBERTa settings");
        }
        if (family.isEncoder() && (numKvHeads != numHeads || headDim * numHeads != hiddenSize || ropeScaling.type() != RopeScaling.Type.NONE)) {
            throw new IllegalArgumentException(modelType + ": an encoder has plain multi-head attention (head_dim = "
                    + "hidden_size / num_attention_heads, no key/value groups, no rotary scaling)");
        }
        if (slidingWindow < 0) {
            throw new IllegalArgumentException("sliding_window must be >= 0, got " + slidingWindow);
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    /** The same configuration with another rotary scaling. */
    public ModelConfig withRopeScaling(RopeScaling scaling) {
        return new ModelConfig(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, tieWordEmbeddings, qkvBias, outputProjBias, mlpBias,
                slidingWindow, scaling, encoder);
    }

    /** An encoder's settings; fails for a decoder. */
    public EncoderConfig encoderConfig() {
        if (encoder == null) {
            throw new IllegalStateException(modelType + " is a decoder: it has no classification head");
        }
        return encoder;
    }

    /** The same encoder with another classification head (the task's labels and problem type). */
    public ModelConfig withHead(java.util.List<String> labels, ProblemType problemType) {
        return new ModelConfig(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, tieWordEmbeddings, qkvBias, outputProjBias, mlpBias,
                slidingWindow, ropeScaling, encoderConfig().withHead(labels, problemType));
    }

    /** Width of the key and value projections (grouped-query attention when smaller than hidden). */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Width of the query projection. */
    public int qDim() {
        return numHeads * headDim;
    }
}
