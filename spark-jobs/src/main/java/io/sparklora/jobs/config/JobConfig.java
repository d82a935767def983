package io.sparklora.jobs.config;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.train.BatchPlan;

import java.util.Map;

/**
 * One training job, as read by {@link JobConfigLoader} from a YAML file plus {@code --set section.key=value}
 * overrides. Every section validates itself; this record checks the rules that span sections. Credentials and
 * Spark/Hadoop settings are not part of it: they stay Spark settings ({@code --conf}).
 */
public record JobConfig(ModelSection model, LoraConfig lora, DataSection data, TaskSection task, TrainSection train,
                        DistributedSection distributed, EvalSection eval, CheckpointSection checkpoint,
                        OutputSection output) {

    public JobConfig {
        Checks.notNull("model", model);
        Checks.notNull("lora", lora);
        Checks.notNull("data", data);
        Checks.notNull("task", task);
        Checks.notNull("train", train);
        if (task.classification() && data.promptCompletion()) {
            throw JobConfigException.about("task.label_column", "data.prompt_column / data.completion_column are for "
                    + "decoders and task.label_column for encoders: a classifier reads data.text_column (and "
                    + "task.text_pair_column); remove one or the other");
        }
        if (task.classification() && data.format() == DataFormat.TEXT && data.path() != null) {
            throw JobConfigException.forKey("data.format", "text has one column (each line), and a classifier needs "
                    + "task.label_column beside its text; use jsonl, json, csv or parquet");
        }
        Checks.notNull("distributed", distributed);
        Checks.notNull("eval", eval);
        Checks.notNull("checkpoint", checkpoint);
        Checks.notNull("output", output);
        // Writing into the model directory would mix adapter files with, or overwrite, the base weights.
        if (Checks.normalizedPath(output.path()).equals(Checks.normalizedPath(model.path()))) {
            throw JobConfigException.forKey("output.path", "must differ from model.path (both are " + output.path()
                    + "); choose a new directory for the adapter and checkpoints");
        }
        if (train.batchRows() % distributed.workers() != 0) {
            throw BatchDivision.notMultiple(train.batchRows(), distributed.workers());
        }
    }

    /** The per-worker batch split for {@code distributed.workers}. */
    public BatchPlan batchPlan() {
        return train.batchPlan(distributed.workers());
    }

    /** Every setting with its resolved value, in schema order; what checkpoints and summary.json record. */
    public Map<String, Object> toMap() {
        return CanonicalForm.of(this);
    }

    /** {@link #toMap()} as YAML; {@link JobConfigLoader#parse} reads it back to an equal config. */
    public String toYaml() {
        return CanonicalForm.yaml(toMap());
    }

    /**
     * SHA-256 (hex) of the settings that change the training result: everything but output.path, the eval and
     * checkpoint cadence and train.activation_checkpointing. A run resumes only from checkpoints with the same
     * fingerprint.
     */
    public String fingerprint() {
        return CanonicalForm.fingerprint(this);
    }
}
