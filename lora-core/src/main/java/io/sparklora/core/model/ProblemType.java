package io.sparklora.core.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a sequence-classification head predicts, named as Hugging Face's {@code problem_type}. */
public enum ProblemType {
    /** One class of num_labels: softmax cross-entropy. */
    SINGLE_LABEL("single_label_classification"),
    /** num_labels real values (STS-B: one): mean squared error. */
    REGRESSION("regression"),
    /** Any subset of num_labels classes: per-label sigmoid binary cross-entropy. */
    MULTI_LABEL("multi_label_classification");

    private final String hfName;

    ProblemType(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    /** Hugging Face's default when config.json names none: regression for one label, else single-label. */
    public static ProblemType defaultFor(int numLabels) {
        return numLabels == 1 ? REGRESSION : SINGLE_LABEL;
    }

    public static ProblemType parse(String value, String source) {
        for (ProblemType p : values()) {
            if (p.hfName.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException(source + ": problem_type \"" + value + "\" is not one of "
                + Arrays.stream(values()).map(ProblemType::hfName).collect(Collectors.joining(", ")));
    }
}
