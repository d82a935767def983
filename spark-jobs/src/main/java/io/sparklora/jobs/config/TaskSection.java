package io.sparklora.jobs.config;

import io.sparklora.core.model.ProblemType;

import java.util.HashSet;
import java.util.List;

/**
 * What an encoder learns: sequence classification of {@code data.text_column} (and, for sentence pairs, a second
 * text column) into the label in {@code labelColumn}. Absent ({@link #NONE}) for a decoder job.
 *
 * @param labelColumn    the label: a class id (0 … num_labels − 1), a class name from {@code labelNames} (or the
 *                       model's id2label), or a number for regression; for multi-label, a set of those: an array
 *                       column, or a string of them separated by {@code labelSeparator}; null for a decoder job
 * @param textPairColumn the second text of a sentence pair; null for single texts
 * @param labelNames     class i's name at index i; null: the model's id2label (config.json)
 * @param problemType    null: the model's problem_type (regression when the model has one label, else single-label)
 * @param labelSeparator multi-label only: what separates the labels in a string label column; null: {@link
 *                       #DEFAULT_LABEL_SEPARATOR}
 */
public record TaskSection(String labelColumn, String textPairColumn, List<String> labelNames, ProblemType problemType,
                         String labelSeparator) {
    public static final TaskSection NONE = new TaskSection(null, null, null, null, null);
    /** A multi-label string column's default separator: "sports,politics" (a CSV cell quotes it). */
    public static final String DEFAULT_LABEL_SEPARATOR = ",";

    public TaskSection(String labelColumn, String textPairColumn, List<String> labelNames, ProblemType problemType) {
        this(labelColumn, textPairColumn, labelNames, problemType, null);
    }

    public TaskSection {
        if (labelColumn == null) {
            String set = textPairColumn != null ? "task.text_pair_column" : labelNames != null ? "task.label_names"
                    : problemType != null ? "task.problem_type" : labelSeparator != null ? "task.label_separator" : null;
            if (set != null) {
                throw JobConfigException.about(set, set + " needs task.label_column (the column holding each row's "
                        + "label): sequence classification trains an encoder on labelled text");
            }
        } else if (labelColumn.isBlank()) {
            throw JobConfigException.forKey("task.label_column", "must not be empty; name the column holding the labels");
        }
        if (textPairColumn != null && (textPairColumn.isBlank() || textPairColumn.equals(labelColumn))) {
            throw JobConfigException.forKey("task.text_pair_column", "must name a text column other than "
                    + "task.label_column, got \"" + textPairColumn + "\"");
        }
        if (labelSeparator != null && problemType != ProblemType.MULTI_LABEL) {
            throw JobConfigException.forKey("task.label_separator", "separates the labels of a multi-label row; set "
                    + "task.problem_type: multi_label_classification or remove it");
        }
        if (labelSeparator != null && labelSeparator.isEmpty()) {
            throw JobConfigException.forKey("task.label_separator", "must not be empty, e.g. \",\" or \"|\"");
        }
        if (labelNames != null) {
            if (problemType == ProblemType.REGRESSION) {
                throw JobConfigException.forKey("task.label_names", "names classes, which regression has none of; "
                        + "remove it or set task.problem_type: single_label_classification");
            }
            if (labelNames.size() < 2) {
                throw JobConfigException.forKey("task.label_names", "must name at least 2 classes, got " + labelNames);
            }
            if (new HashSet<>(labelNames).size() != labelNames.size() || labelNames.stream().anyMatch(String::isBlank)) {
                throw JobConfigException.forKey("task.label_names", "must be distinct, non-empty names, got " + labelNames);
            }
            labelNames = List.copyOf(labelNames);
        }
    }

    /** What separates a multi-label string column's labels. */
    public String separator() {
        return labelSeparator == null ? DEFAULT_LABEL_SEPARATOR : labelSeparator;
    }

    /** True for a sequence-classification job (an encoder). */
    public boolean classification() {
        return labelColumn != null;
    }
}
