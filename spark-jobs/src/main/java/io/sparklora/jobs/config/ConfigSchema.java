package io.sparklora.jobs.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The sections and keys a job file may hold, in the order {@link JobConfig#toYaml()} writes them. */
final class ConfigSchema {
    static final Map<String, List<String>> KEYS = keys();

    private ConfigSchema() {
    }

    private static Map<String, List<String>> keys() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        keys.put("model", List.of("path", "tokenizer"));
        keys.put("lora", List.of("r", "alpha", "dropout", "target_modules", "use_rslora", "seed"));
        keys.put("data", List.of("path", "table", "sql", "format", "version", "timestamp", "text_column",
                "prompt_column", "completion_column", "validation_path", "validation_table", "validation_sql",
                "validation_version", "validation_timestamp", "validation_fraction", "max_seq_len", "packing", "max_bad_row_fraction", "long_rows",
                "add_bos", "add_eos", "block_examples"));
        keys.put("task", List.of("label_column", "text_pair_column", "label_names", "problem_type",
                "label_separator"));
        keys.put("train", List.of("batch_rows", "batch_tokens", "micro_batch_rows", "rounds", "epochs", "learning_rate",
                "schedule", "warmup_steps", "weight_decay", "max_grad_norm", "adam_beta1", "adam_beta2", "adam_epsilon",
                "seed", "nan_policy", "activation_checkpointing"));
        keys.put("distributed", List.of("workers", "averaging", "sync_every"));
        keys.put("eval", List.of("every_rounds", "max_rows"));
        keys.put("checkpoint", List.of("every_rounds", "keep"));
        keys.put("output", List.of("path"));
        return java.util.Collections.unmodifiableMap(keys);
    }

    /** Keys without a default; reported together so one run shows everything that is missing. */
    static final List<String> REQUIRED = List.of("model.path", "data.path", "output.path");
    /** Keys that stand in for a required key: the training data is data.path, data.table or data.sql. */
    static final Map<String, List<String>> ALTERNATIVES = Map.of("data.path", List.of("data.table", "data.sql"));

    static boolean isSection(String section) {
        return KEYS.containsKey(section);
    }

    static boolean isKey(String section, String key) {
        return KEYS.containsKey(section) && KEYS.get(section).contains(key);
    }

    /**
     * What an unknown {@code section.key} most likely meant: a close spelling in that section, else the same key in
     * another section (e.g. {@code train.max_seq_len} for {@code data.max_seq_len}).
     */
    static Optional<String> suggestKey(String section, String key) {
        Optional<String> near = Suggestions.closest(key, KEYS.get(section)).map(k -> section + "." + k);
        if (near.isPresent()) {
            return near;
        }
        return KEYS.entrySet().stream().filter(e -> e.getValue().contains(key))
                .map(e -> e.getKey() + "." + key).findFirst();
    }

    /** E.g. {@code unknown key train.learning_rte in job.yaml; did you mean train.learning_rate?}. */
    static String unknownKey(String section, String key, String origin) {
        return "unknown key " + section + "." + key + " in " + origin + suggestKey(section, key)
                .map(s -> "; did you mean " + s + "?")
                .orElse("; the keys of " + section + " are " + String.join(", ", KEYS.get(section)));
    }

    static String unknownSection(String section, String origin) {
        // Section names are short: a guess that rewrites most of one (spark -> task) is no help.
        return "unknown key " + section + " in " + origin + Suggestions.closest(section, KEYS.keySet())
                .filter(s -> Suggestions.levenshtein(section, s) < s.length() - 1)
                .map(s -> "; did you mean " + s + "?")
                .orElse("; the sections are " + String.join(", ", KEYS.keySet()));
    }
}
