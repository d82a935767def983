package io.sparklora.core.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What an encoder's config.json adds to the shared hyper-parameters: the token-type table, the padding id (RoBERTa
 * counts positions from it), the sequence-classification head, and DeBERTa's relative attention.
 *
 * @param typeVocabSize     token types; DeBERTa may have none (0: token_type_ids are ignored)
 * @param labels            the class names in id order (config.json's id2label), one per logit
 * @param initializerRange  the standard deviation Hugging Face draws a new head's weights from
 * @param deberta           DeBERTa-v2/v3's settings; null for BERT and RoBERTa
 */
public record EncoderConfig(int typeVocabSize, int padTokenId, List<String> labels, ProblemType problemType,
                            double initializerRange, DebertaSettings deberta) {
    /** A BERT or RoBERTa encoder. */
    public EncoderConfig(int typeVocabSize, int padTokenId, List<String> labels, ProblemType problemType,
                         double initializerRange) {
        this(typeVocabSize, padTokenId, labels, problemType, initializerRange, null);
    }

    public EncoderConfig {
        if (typeVocabSize < (deberta == null ? 1 : 0)) {
            throw new IllegalArgumentException("type_vocab_size must be > " + (deberta == null ? 0 : -1) + ", got "
                    + typeVocabSize);
        }
        if (padTokenId < 0) {
            throw new IllegalArgumentException("pad_token_id must be >= 0, got " + padTokenId);
        }
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("a classification head needs at least one label (num_labels >= 1)");
        }
        labels = List.copyOf(labels);
        if (problemType == null) {
            throw new IllegalArgumentException("problem_type must not be null");
        }
        if (problemType == ProblemType.SINGLE_LABEL && labels.size() < 2) {
            throw new IllegalArgumentException("single_label_classification needs num_labels >= 2, got " + labels.size()
                    + "; one label means regression");
        }
        if (!(initializerRange > 0)) {
            throw new IllegalArgumentException("initializer_range must be > 0, got " + initializerRange);
        }
    }

    public int numLabels() {
        return labels.size();
    }

    /** Hugging Face's default names for n labels: LABEL_0 … LABEL_{n−1}. */
    public static List<String> defaultLabels(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("LABEL_" + i);
        }
        return names;
    }

    /** The same encoder with another head (the task's labels and problem type). */
    public EncoderConfig withHead(List<String> newLabels, ProblemType newProblem) {
        return new EncoderConfig(typeVocabSize, padTokenId, newLabels, newProblem, initializerRange, deberta);
    }
}
