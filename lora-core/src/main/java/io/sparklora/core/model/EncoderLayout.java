package io.sparklora.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * The tensor names of BertForSequenceClassification ({@code bert.…}, the pooler, {@code classifier}) and
 * RobertaForSequenceClassification ({@code roberta.…}, no pooler, {@code classifier.dense} and
 * {@code classifier.out_proj}); XLM-R uses RoBERTa's. Every linear map is nn.Linear, stored [out, in].
 * <p>
 * The classification head is not part of a pretrained base: a checkpoint may hold it (a fine-tuned or merged model)
 * or not (then it is initialised as Hugging Face does), which is why it is listed apart from the parameters.
 */
public record EncoderLayout(ModelConfig config) implements ClassifierLayout {
    /** PEFT's modules_to_save for a SEQ_CLS adapter (PeftModelForSequenceClassification adds both names). */
    public static final List<String> PEFT_MODULES_TO_SAVE = List.of("classifier", "score");

    public EncoderLayout {
        if (config.family() != ModelFamily.BERT && config.family() != ModelFamily.ROBERTA) {
            throw new IllegalArgumentException(config.modelType() + " is not a BERT or RoBERTa encoder");
        }
    }

    private boolean bert() {
        return config.family() == ModelFamily.BERT;
    }

    /** "bert." or "roberta." (XLM-R checkpoints use "roberta." too). */
    public String prefix() {
        return bert() ? "bert." : "roberta.";
    }

    @Override
    public List<String> peftModulesToSave() {
        return PEFT_MODULES_TO_SAVE;
    }

    public String layer(int i) {
        return prefix() + "encoder.layer." + i + ".";
    }

    public String wordEmbeddings() {
        return prefix() + "embeddings.word_embeddings.weight";
    }

    public String positionEmbeddings() {
        return prefix() + "embeddings.position_embeddings.weight";
    }

    public String tokenTypeEmbeddings() {
        return prefix() + "embeddings.token_type_embeddings.weight";
    }

    @Override
    public String embeddingNorm() {
        return prefix() + "embeddings.LayerNorm";
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
        shapes.put(positionEmbeddings(), new long[] {config.maxPositions(), h});
        shapes.put(tokenTypeEmbeddings(), new long[] {config.encoderConfig().typeVocabSize(), h});
        putNormAndLayerShapes(shapes);
        if (bert()) {
            Gpt2Layout.putLinear(shapes, pooler().orElseThrow());
        }
        return shapes;
    }

    /** query, key, value, attention.output.dense, intermediate.dense, output.dense of layer i. */
    @Override
    public List<LinearModule> layerModules(int i) {
        int h = config.hiddenSize();
        int inner = config.intermediateSize();
        String p = layer(i);
        return List.of(
                new LinearModule(p + "attention.self.query", h, h, true, false),
                new LinearModule(p + "attention.self.key", h, h, true, false),
                new LinearModule(p + "attention.self.value", h, h, true, false),
                new LinearModule(p + "attention.output.dense", h, h, true, false),
                new LinearModule(p + "intermediate.dense", h, inner, true, false),
                new LinearModule(p + "output.dense", inner, h, true, false));
    }

    /** BERT's pooler (first token → dense → tanh), part of the base and adaptable like any linear map. */
    public Optional<LinearModule> pooler() {
        int h = config.hiddenSize();
        return bert() ? Optional.of(new LinearModule("bert.pooler.dense", h, h, true, false)) : Optional.empty();
    }

    @Override
    public List<LinearModule> linearModules() {
        List<LinearModule> all = new ArrayList<>(ClassifierLayout.super.linearModules());
        pooler().ifPresent(all::add);
        return all;
    }

    /**
     * The head's linear maps, applied to the first token's hidden state: BERT's classifier (after the pooler), or
     * RoBERTa's classifier.dense (then tanh) and classifier.out_proj.
     */
    @Override
    public List<LinearModule> headModules() {
        int h = config.hiddenSize();
        int labels = config.encoderConfig().numLabels();
        return bert() ? List.of(new LinearModule("classifier", h, labels, true, false))
                : List.of(new LinearModule("classifier.dense", h, h, true, false),
                new LinearModule("classifier.out_proj", h, labels, true, false));
    }

    @Override
    public Optional<String> canonicalName(String name) {
        // Buffers and pretraining heads a base checkpoint carries that sequence classification does not use.
        if (name.endsWith("embeddings.position_ids") || name.startsWith("cls.") || name.startsWith("lm_head.")
                || (!bert() && (name.startsWith("roberta.pooler.") || name.startsWith("pooler.")))) {
            return Optional.empty();
        }
        // BertModel / RobertaModel saved on their own have no "bert." / "roberta." prefix.
        if (name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler.")) {
            name = prefix() + name;
        }
        // The original TensorFlow-converted BERT checkpoints name LayerNorm's parameters gamma and beta.
        if (name.endsWith(".LayerNorm.gamma")) {
            name = name.substring(0, name.length() - "gamma".length()) + "weight";
        } else if (name.endsWith(".LayerNorm.beta")) {
            name = name.substring(0, name.length() - "beta".length()) + "bias";
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
