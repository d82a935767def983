package io.sparklora.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * The tensor names of DebertaV2ForSequenceClassification ({@code deberta.…}, the top-level {@code pooler.dense}
 * and {@code classifier}); every linear map is nn.Linear, stored [out, in]. Position embeddings exist only with
 * position_biased_input (v2), token-type embeddings only with type_vocab_size > 0, the encoder's LayerNorm only
 * with norm_rel_ebd layer_norm. The head (ContextPooler's dense and the classifier) is not part of a pretrained
 * base: a checkpoint may hold it or not, as for BERT.
 */
public record DebertaLayout(ModelConfig config) implements ClassifierLayout {
    /**
     * PEFT adds classifier and score to modules_to_save; DeBERTa's pooler.dense is also new in a classifier built
     * from a pretrained base, so the adapter names it too, or PEFT would leave it at its random initialisation.
     */
    public static final List<String> PEFT_MODULES_TO_SAVE = List.of("classifier", "score", "pooler");
    private static final String PREFIX = "deberta.";

    public DebertaLayout {
        if (config.family() != ModelFamily.DEBERTA_V2) {
            throw new IllegalArgumentException(config.modelType() + " is not a DeBERTa-v2 encoder");
        }
    }

    private DebertaSettings settings() {
        return config.encoderConfig().deberta();
    }

    public String layer(int i) {
        return PREFIX + "encoder.layer." + i + ".";
    }

    public String wordEmbeddings() {
        return PREFIX + "embeddings.word_embeddings.weight";
    }

    /** Present only with position_biased_input. */
    public Optional<String> positionEmbeddings() {
        return settings().positionBiasedInput() ? Optional.of(PREFIX + "embeddings.position_embeddings.weight")
                : Optional.empty();
    }

    /** Present only with type_vocab_size > 0. */
    public Optional<String> tokenTypeEmbeddings() {
        return config.encoderConfig().typeVocabSize() > 0 ? Optional.of(PREFIX + "embeddings.token_type_embeddings.weight")
                : Optional.empty();
    }

    @Override
    public String embeddingNorm() {
        return PREFIX + "embeddings.LayerNorm";
    }

    public String relEmbeddings() {
        return PREFIX + "encoder.rel_embeddings.weight";
    }

    /** The LayerNorm over the relative embeddings (norm_rel_ebd layer_norm). */
    public Optional<String> relEmbeddingNorm() {
        return settings().normRelEmbeddings() ? Optional.of(PREFIX + "encoder.LayerNorm") : Optional.empty();
    }

    @Override
    public String attentionNorm(int i) {
        return layer(i) + "attention.output.LayerNorm";
    }

    @Override
    public String outputNorm(int i) {
        return layer(i) + "output.LayerNorm";
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        int h = config.hiddenSize();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(wordEmbeddings(), new long[] {config.vocabSize(), h});
        positionEmbeddings().ifPresent(p -> shapes.put(p, new long[] {config.maxPositions(), h}));
        tokenTypeEmbeddings().ifPresent(t -> shapes.put(t, new long[] {config.encoderConfig().typeVocabSize(), h}));
        putNormAndLayerShapes(shapes);
        shapes.put(relEmbeddings(), new long[] {settings().relEmbeddingRows(), h});
        relEmbeddingNorm().ifPresent(n -> putNorm(shapes, n));
        return shapes;
    }

    /** query_proj, key_proj, value_proj, attention.output.dense, intermediate.dense, output.dense of layer i. */
    @Override
    public List<LinearModule> layerModules(int i) {
        int h = config.hiddenSize();
        int inner = config.intermediateSize();
        String p = layer(i);
        return List.of(
                new LinearModule(p + "attention.self.query_proj", h, h, true, false),
                new LinearModule(p + "attention.self.key_proj", h, h, true, false),
                new LinearModule(p + "attention.self.value_proj", h, h, true, false),
                new LinearModule(p + "attention.output.dense", h, h, true, false),
                new LinearModule(p + "intermediate.dense", h, inner, true, false),
                new LinearModule(p + "output.dense", inner, h, true, false));
    }

    /** The ContextPooler's dense (first token → dense → pooler_hidden_act), then the classifier. */
    @Override
    public List<LinearModule> headModules() {
        int h = config.hiddenSize();
        return List.of(new LinearModule("pooler.dense", h, h, true, false),
                new LinearModule("classifier", h, config.encoderConfig().numLabels(), true, false));
    }

    @Override
    public List<String> peftModulesToSave() {
        return PEFT_MODULES_TO_SAVE;
    }

    @Override
    public Optional<String> canonicalName(String name) {
        // Buffers, pretraining heads (MLM, v3's replaced-token detector) and, as transformers does, position
        // embeddings a checkpoint carries while position_biased_input is off.
        if (name.endsWith("embeddings.position_ids") || name.startsWith("lm_predictions.") || name.startsWith("lm_head.")
                || name.startsWith("mask_predictions.") || name.startsWith("cls.")
                || (!settings().positionBiasedInput() && name.endsWith("embeddings.position_embeddings.weight"))) {
            return Optional.empty();
        }
        // DebertaV2Model saved on its own has no "deberta." prefix.
        if (name.startsWith("embeddings.") || name.startsWith("encoder.")) {
            return Optional.of(PREFIX + name);
        }
        return Optional.of(name);
    }

    @Override
    public String embeddingName() {
        return wordEmbeddings();
    }

    @Override
    public String outputHeadName() {
        throw new UnsupportedOperationException(config.modelType() + " is an encoder: it has a classification head, "
                + "not a vocabulary head");
    }
}
