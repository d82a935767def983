package io.sparklora.jobs.cli;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.config.TaskSection;
import io.sparklora.jobs.data.ClassificationSpec;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * An encoder's task as {@code score} and {@code merge} take it on the command line: {@code --label-names} (class 0
 * first; one name means regression) and {@code --problem-type}, resolved against config.json as a job's
 * {@code task} section is (its id2label and problem_type when not given).
 */
final class TaskOptions {
    static final List<CliArgs.Option> OPTIONS = List.of(CliArgs.Option.value("--label-names", "negative,positive"),
            CliArgs.Option.value("--problem-type", "multi_label_classification"));

    private TaskOptions() {
    }

    static boolean given(CliArgs a) {
        return OPTIONS.stream().anyMatch(o -> a.has(o.name()));
    }

    /** The classes and problem type; a mistake is one usage line naming the option. */
    static ClassificationSpec resolve(CliArgs a, ModelConfig config) {
        List<String> names = a.optional("--label-names").map(v -> Arrays.stream(v.split(",")).map(String::strip)
                .toList()).orElse(null);
        if (names != null && (names.stream().anyMatch(String::isEmpty) || new HashSet<>(names).size() != names.size())) {
            throw a.error("--label-names \"" + a.optional("--label-names").get() + "\" must be distinct, non-empty "
                    + "names separated by commas, class 0 first");
        }
        ProblemType problem = names == null ? null : names.size() == 1 ? ProblemType.REGRESSION : ProblemType.SINGLE_LABEL;
        if (a.has("--problem-type")) {
            problem = ProblemType.parse(a.choice("--problem-type", null, Arrays.stream(ProblemType.values())
                    .map(ProblemType::hfName).toList()), "--problem-type");
        }
        try {
            return ClassificationSpec.resolve(new TaskSection("label", null, problem == ProblemType.REGRESSION
                    ? null : names, problem), config);
        } catch (IllegalArgumentException | JobConfigException e) {
            throw a.error(e.getMessage().replace("task.label_names", "--label-names")
                    .replace("task.problem_type", "--problem-type"));
        }
    }
}
