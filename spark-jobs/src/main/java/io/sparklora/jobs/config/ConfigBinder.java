package io.sparklora.jobs.config;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.OptimizerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Binds a checked {@link ConfigTree} to the records, filling defaults from the records' constants. */
final class ConfigBinder {
    private final Map<String, Map<String, Object>> tree;
    private final Origins origins;

    private ConfigBinder(Map<String, Map<String, Object>> tree, Origins origins) {
        this.tree = tree;
        this.origins = origins;
    }

    static JobConfig bind(Map<String, Map<String, Object>> tree, Origins origins) {
        return new ConfigBinder(tree, origins).bind();
    }

    private JobConfig bind() {
        requirePresent();
        ModelSection model = build(() -> model(reader("model")));
        LoraConfig lora = build(() -> lora(reader("lora")));
        DataSection data = build(() -> data(reader("data")));
        TaskSection task = build(() -> task(reader("task")));
        DistributedSection distributed = build(() -> distributed(reader("distributed")));
        TrainSection train = build(() -> train(reader("train"), data.maxSeqLen(), distributed.workers()));
        EvalSection eval = build(() -> eval(reader("eval")));
        CheckpointSection checkpoint = build(() -> checkpoint(reader("checkpoint")));
        OutputSection output = build(() -> new OutputSection(reader("output").text("path", null)));
        return build(() -> new JobConfig(model, lora, data, task, train, distributed, eval, checkpoint, output));
    }

    private void requirePresent() {
        List<String> missing = new ArrayList<>();
        for (String fullKey : ConfigSchema.REQUIRED) {
            String[] parts = fullKey.split("\\.", 2);
            boolean alternative = ConfigSchema.ALTERNATIVES.getOrDefault(fullKey, List.of()).stream()
                    .anyMatch(k -> tree.get(parts[0]).get(k.split("\\.", 2)[1]) != null);
            if (tree.get(parts[0]).get(parts[1]) == null && !alternative) {
                missing.add(fullKey);
            }
        }
        List<String> named = missing.stream().map(k -> k + ConfigSchema.ALTERNATIVES.getOrDefault(k, List.of()).stream()
                .map(a -> ", or " + a).reduce("", String::concat)).map(k -> k.contains(", or") ? k.replaceFirst(", or", " (or")
                + ")" : k).toList();
        if (missing.size() == 1) {
            throw new JobConfigException("missing required key " + named.get(0) + " in " + origins.source()
                    + "; add it to the file or pass --set " + missing.get(0) + "=<path>");
        }
        if (!missing.isEmpty()) {
            throw new JobConfigException("missing required keys " + String.join(", ", named) + " in "
                    + origins.source() + "; add them to the file or pass --set key=<path> for each");
        }
    }

    private SectionReader reader(String section) {
        return new SectionReader(section, tree.get(section), origins);
    }

    /** Runs a record constructor, turning its validation failure into an error that names where the value came from. */
    private <T> T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (JobConfigException e) {
            throw origins.locate(e);
        }
    }

    private static ModelSection model(SectionReader s) {
        return new ModelSection(s.text("path", null), s.text("tokenizer", null));
    }

    private LoraConfig lora(SectionReader s) {
        int r = s.integer("r", LoraConfig.DEFAULT_R);
        double alpha = s.number("alpha", LoraConfig.DEFAULT_ALPHA);
        double dropout = s.number("dropout", LoraConfig.DEFAULT_DROPOUT);
        // Checked here too so that the message names the job-file key; LoraConfig enforces the same rules.
        Checks.positive("lora.r", r);
        Checks.positive("lora.alpha", alpha);
        Checks.inRange("lora.dropout", dropout, 0.0, 1.0, true);
        return new LoraConfig(r, alpha, dropout, targets(s), s.flag("use_rslora", false),
                s.longInteger("seed", LoraConfig.DEFAULT_SEED));
    }

    private static TargetModules targets(SectionReader s) {
        Object v = s.raw("target_modules");
        if (v == null) {
            return null;
        }
        boolean names = v instanceof List<?> list && !list.isEmpty()
                && list.stream().allMatch(e -> e instanceof String);
        if (!names && !(v instanceof String)) {
            throw s.error("target_modules", "must be a non-empty list of module names, \"" + TargetModules.ALL_LINEAR
                    + "\" or a regex string, got " + SectionReader.describe(v));
        }
        try {
            return TargetModules.parse(v);
        } catch (IllegalArgumentException e) {
            throw s.error("target_modules", "is invalid: " + e.getMessage());
        }
    }

    private static DataSection data(SectionReader s) {
        DataSource source = source(s, "");
        DataSource validation = source(s, "validation_");
        if (s.has("format") && source.path() == null && validation.path() == null) {
            throw s.error("format", "applies to data.path and data.validation_path only; a table's format comes from "
                    + "its catalog and a query's from its tables: remove data.format");
        }
        return new DataSection(source, s.choice("format", DataFormat.class, DataSection.DEFAULT_FORMAT),
                s.text("text_column", DataSection.DEFAULT_TEXT_COLUMN), s.text("prompt_column", null),
                s.text("completion_column", null), validation,
                s.number("validation_fraction", DataSection.DEFAULT_VALIDATION_FRACTION),
                s.integer("max_seq_len", DataSection.DEFAULT_MAX_SEQ_LEN),
                s.flag("packing", DataSection.DEFAULT_PACKING),
                s.number("max_bad_row_fraction", DataSection.DEFAULT_MAX_BAD_ROW_FRACTION),
                s.choice("long_rows", LongRowPolicy.class, DataSection.DEFAULT_LONG_ROWS),
                s.flag("add_bos", DataSection.DEFAULT_ADD_BOS), s.flag("add_eos", DataSection.DEFAULT_ADD_EOS),
                s.integer("block_examples", DataSection.DEFAULT_BLOCK_EXAMPLES));
    }

    private static TaskSection task(SectionReader s) {
        List<String> names = null;
        Object v = s.raw("label_names");
        if (v != null) {
            if (!(v instanceof List<?> list) || !list.stream().allMatch(e -> e instanceof String)) {
                throw s.error("label_names", "must be a list of class names, class 0 first (e.g. [negative, positive]),"
                        + " got " + SectionReader.describe(v));
            }
            names = list.stream().map(e -> (String) e).toList();
        }
        String problem = s.text("problem_type", null);
        ProblemType problemType = null;
        if (problem != null) {
            try {
                problemType = ProblemType.parse(problem, "task.problem_type");
            } catch (IllegalArgumentException e) {
                throw s.error("problem_type", "must be single_label_classification, multi_label_classification or "
                        + "regression, got \"" + problem + "\"");
            }
        }
        return new TaskSection(s.text("label_column", null), s.text("text_pair_column", null), names, problemType,
                s.text("label_separator", null));
    }

    /** The training ({@code infix} "") or validation ({@code infix} "validation_") source. */
    private static DataSource source(SectionReader s, String infix) {
        Object version = s.raw(infix + "version");
        return new DataSource("data." + infix, s.text(infix + "path", null), s.text(infix + "table", null),
                s.text(infix + "sql", null), version == null ? null : s.longInteger(infix + "version", 0),
                s.text(infix + "timestamp", null));
    }

    private static DistributedSection distributed(SectionReader s) {
        Averaging averaging = s.choice("averaging", Averaging.class, DistributedSection.DEFAULT_AVERAGING);
        if (averaging != Averaging.PARAMETER && s.has("sync_every")) {
            throw s.error("sync_every", "applies only to distributed.averaging: parameter; remove it or set"
                    + " distributed.averaging: parameter");
        }
        return new DistributedSection(s.integer("workers", DistributedSection.DEFAULT_WORKERS), averaging,
                s.integer("sync_every", DistributedSection.DEFAULT_SYNC_EVERY));
    }

    private TrainSection train(SectionReader s, int maxSeqLen, int workers) {
        int rounds = 0;
        double epochs = 0;
        if (s.has("rounds") && s.has("epochs")) {
            throw bothSet(s, "rounds", "epochs");
        } else if (s.has("epochs")) {
            epochs = s.number("epochs", 0);
            Checks.positive("train.epochs", epochs);
        } else {
            rounds = s.integer("rounds", TrainSection.DEFAULT_ROUNDS);
            Checks.positive("train.rounds", rounds);
        }
        return new TrainSection(batchRows(s, maxSeqLen, workers),
                s.integer("micro_batch_rows", BatchPlan.DEFAULT_MICRO_BATCH_ROWS), rounds, epochs,
                s.number("learning_rate", OptimizerConfig.DEFAULT_LEARNING_RATE),
                s.choice("schedule", LrSchedule.class, OptimizerConfig.DEFAULT_SCHEDULE),
                s.longInteger("warmup_steps", OptimizerConfig.DEFAULT_WARMUP_STEPS),
                s.number("weight_decay", OptimizerConfig.DEFAULT_WEIGHT_DECAY),
                s.number("max_grad_norm", OptimizerConfig.DEFAULT_MAX_GRAD_NORM),
                s.number("adam_beta1", OptimizerConfig.DEFAULT_BETA1),
                s.number("adam_beta2", OptimizerConfig.DEFAULT_BETA2),
                s.number("adam_epsilon", OptimizerConfig.DEFAULT_EPSILON),
                s.longInteger("seed", BatchPlan.DEFAULT_SEED),
                s.choice("nan_policy", NanPolicy.class, TrainSection.DEFAULT_NAN_POLICY),
                s.flag("activation_checkpointing", TrainSection.DEFAULT_ACTIVATION_CHECKPOINTING));
    }

    /** Global rows per round: batch_rows as given, or batch_tokens turned into whole rows of max_seq_len tokens. */
    private int batchRows(SectionReader s, int maxSeqLen, int workers) {
        if (s.has("batch_rows") && s.has("batch_tokens")) {
            throw bothSet(s, "batch_rows", "batch_tokens");
        }
        if (!s.has("batch_tokens")) {
            return s.integer("batch_rows", TrainSection.DEFAULT_BATCH_ROWS);
        }
        int tokens = s.integer("batch_tokens", 0);
        Checks.positive("train.batch_tokens", tokens);
        if (tokens / maxSeqLen < workers || (tokens / maxSeqLen) % workers != 0) {
            throw BatchDivision.tokensNotMultiple(tokens, maxSeqLen, workers);
        }
        return tokens / maxSeqLen;
    }

    /** Two keys that say the same thing differently; the message tells how to drop the file's value from --set. */
    private JobConfigException bothSet(SectionReader s, String a, String b) {
        String where = origins.of(s.fullKey(a)).equals(origins.of(s.fullKey(b)))
                ? origins.of(s.fullKey(a))
                : origins.of(s.fullKey(a)) + " and " + origins.of(s.fullKey(b));
        return new JobConfigException(where + ": set " + s.fullKey(a) + " or " + s.fullKey(b) + ", not both"
                + " (an empty --set " + s.fullKey(a) + "= or --set " + s.fullKey(b)
                + "= removes a value from the file)");
    }

    private static EvalSection eval(SectionReader s) {
        return new EvalSection(s.integer("every_rounds", EvalSection.DEFAULT_EVERY_ROUNDS),
                s.integer("max_rows", EvalSection.DEFAULT_MAX_ROWS));
    }

    private static CheckpointSection checkpoint(SectionReader s) {
        return new CheckpointSection(s.integer("every_rounds", CheckpointSection.DEFAULT_EVERY_ROUNDS),
                s.integer("keep", CheckpointSection.DEFAULT_KEEP));
    }
}
