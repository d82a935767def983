package io.sparklora.jobs.data;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.jobs.config.TaskSection;

import java.util.List;

/**
 * A classification job's data settings, resolved against the model: the columns, the class names (the job's
 * {@code task.label_names}, else the model's id2label) and the problem type, and what the executors need to build
 * the encoder's input rows (its family's template and padding id).
 *
 * @param textPairColumn null for single texts
 * @param labels         class i's name at index i; one name for regression
 * @param labelSeparator multi-label: what separates the labels of a string label column
 */
public record ClassificationSpec(String labelColumn, String textPairColumn, List<String> labels, ProblemType problem,
                                 ModelFamily family, int padTokenId, String labelSeparator)
        implements java.io.Serializable {
    public ClassificationSpec {
        labels = List.copyOf(labels);
    }

    public ClassificationSpec(String labelColumn, String textPairColumn, List<String> labels, ProblemType problem,
                              ModelFamily family, int padTokenId) {
        this(labelColumn, textPairColumn, labels, problem, family, padTokenId, TaskSection.DEFAULT_LABEL_SEPARATOR);
    }

    /**
     * @throws IllegalArgumentException (naming the key and the fix) when the labels and the problem type disagree
     */
    public static ClassificationSpec resolve(TaskSection task, ModelConfig model) {
        List<String> modelLabels = model.encoderConfig().labels();
        ProblemType problem = task.problemType();
        List<String> labels = task.labelNames();
        if (problem == ProblemType.REGRESSION) {
            labels = modelLabels.size() == 1 ? modelLabels : List.of("LABEL_0");
        } else if (labels == null) {
            if (problem != null && modelLabels.size() < 2) {
                throw new IllegalArgumentException("task.problem_type is " + problem.hfName() + " but the model has "
                        + modelLabels.size() + " label; name the classes in task.label_names");
            }
            labels = modelLabels;
        }
        if (problem == null) {
            problem = task.labelNames() == null ? model.encoderConfig().problemType() : ProblemType.SINGLE_LABEL;
        }
        return new ClassificationSpec(task.labelColumn(), task.textPairColumn(), labels, problem, model.family(),
                model.encoderConfig().padTokenId(), task.separator());
    }

    public boolean regression() {
        return problem == ProblemType.REGRESSION;
    }

    public boolean multiLabel() {
        return problem == ProblemType.MULTI_LABEL;
    }

    /** The model's configuration with this task's head. */
    public ModelConfig headOf(ModelConfig model) {
        return model.withHead(labels, problem);
    }
}
