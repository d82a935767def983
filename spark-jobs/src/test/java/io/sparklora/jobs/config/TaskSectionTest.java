package io.sparklora.jobs.config;

import io.sparklora.core.model.ProblemType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.sparklora.jobs.config.JobFiles.MINIMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The task section: what an encoder's sequence-classification job reads, and the one-line errors for its keys. */
class TaskSectionTest {
    private static final String CLASSIFIER = MINIMAL + """
            task:
              label_column: label
              text_pair_column: sentence2
              label_names: [not_entailment, entailment]
            """;

    private static String error(String yaml, String... overrides) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> JobFiles.parse(yaml, overrides));
        assertThat(t).isInstanceOf(JobConfigException.class);
        return t.getMessage();
    }

    @Test
    void readsTheTaskAndKeepsItThroughTheCanonicalForm() {
        JobConfig c = JobFiles.parse(CLASSIFIER);
        assertThat(c.task()).isEqualTo(new TaskSection("label", "sentence2", List.of("not_entailment", "entailment"), null));
        assertThat(c.task().classification()).isTrue();
        assertThat(JobConfigLoader.parse(c.toYaml(), "canonical.yaml", List.of())).isEqualTo(c);
        JobConfig regression = JobFiles.parse(MINIMAL, "task.label_column=score", "task.problem_type=regression");
        assertThat(regression.task().problemType()).isEqualTo(ProblemType.REGRESSION);
        assertThat(regression.fingerprint()).isNotEqualTo(c.fingerprint());
        JobConfig multi = JobFiles.parse(CLASSIFIER, "task.problem_type=multi_label_classification",
                "task.label_separator=;");
        assertThat(multi.task().problemType()).isEqualTo(ProblemType.MULTI_LABEL);
        assertThat(multi.task().separator()).isEqualTo(";");
        assertThat(JobConfigLoader.parse(multi.toYaml(), "canonical.yaml", List.of())).isEqualTo(multi);
        assertThat(JobFiles.parse(CLASSIFIER, "task.problem_type=multi_label_classification").task().separator())
                .isEqualTo(",");
        assertThat(JobFiles.parse(MINIMAL).task()).isEqualTo(TaskSection.NONE);
        assertThat(JobFiles.parse(MINIMAL).toMap()).doesNotContainKey("task");
    }

    @Test
    void badTaskKeysNameTheKeyAndTheFix() {
        assertThat(error(MINIMAL, "task.text_pair_column=b")).contains("task.text_pair_column needs task.label_column");
        assertThat(error(CLASSIFIER, "task.label_names=[only]")).contains("task.label_names must name at least 2 classes");
        assertThat(error(CLASSIFIER, "task.label_names=[a, a]")).contains("task.label_names must be distinct");
        assertThat(error(CLASSIFIER, "task.problem_type=regression")).contains("task.label_names names classes")
                .contains("remove it");
        assertThat(error(CLASSIFIER, "task.label_separator=;")).contains("task.label_separator separates the labels "
                + "of a multi-label row; set task.problem_type: multi_label_classification");
        assertThat(error(CLASSIFIER, "task.problem_type=ordinal")).contains("task.problem_type must be "
                + "single_label_classification, multi_label_classification or regression");
        assertThat(error(CLASSIFIER, "task.label_names=positive")).contains("task.label_names must be a list");
        assertThat(error(CLASSIFIER, "data.prompt_column=q", "data.completion_column=a"))
                .contains("data.prompt_column / data.completion_column are for decoders");
        assertThat(error(CLASSIFIER, "task.lable_column=x")).contains("did you mean task.label_column?");
        assertThat(error(CLASSIFIER, "data.format=text")).contains("data.format text has one column");
    }
}
