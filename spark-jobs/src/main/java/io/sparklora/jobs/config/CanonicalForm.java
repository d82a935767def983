package io.sparklora.jobs.config;

import io.sparklora.core.lora.LoraConfig;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A config as a nested map of resolved values in a fixed order, so that equal settings give equal text (and hash)
 * however the file ordered or spelt them. Optional values that are absent are left out.
 */
final class CanonicalForm {
    /** Changes whenever the meaning of the canonical form changes, so old fingerprints stop matching. */
    private static final String FINGERPRINT_VERSION = "sparklora-job-config/1\n";

    private CanonicalForm() {
    }

    static Map<String, Object> of(JobConfig c) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", section("path", c.model().path(), "tokenizer", c.model().tokenizer()));
        root.put("lora", lora(c.lora()));
        root.put("data", data(c.data()));
        if (c.task().classification()) {
            root.put("task", section("label_column", c.task().labelColumn(), "text_pair_column",
                    c.task().textPairColumn(), "label_names", c.task().labelNames(), "problem_type",
                    c.task().problemType() == null ? null : c.task().problemType().hfName(), "label_separator",
                    c.task().labelSeparator()));
        }
        root.put("train", train(c.train()));
        root.put("distributed", distributed(c.distributed()));
        root.put("eval", section("every_rounds", c.eval().everyRounds(), "max_rows", c.eval().maxRows()));
        root.put("checkpoint", section("every_rounds", c.checkpoint().everyRounds(), "keep", c.checkpoint().keep()));
        root.put("output", section("path", c.output().path()));
        return root;
    }

    static String yaml(Map<String, Object> map) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(Integer.MAX_VALUE);
        return new Yaml(options).dump(map);
    }

    static String fingerprint(JobConfig c) {
        Map<String, Object> result = new LinkedHashMap<>(of(c));
        // Where the result goes and how often it is looked at do not change the trained weights.
        result.remove("output");
        result.remove("eval");
        result.remove("checkpoint");
        // Nor does recomputing activations (bit-identical gradients): a run may resume with it switched.
        @SuppressWarnings("unchecked")
        Map<String, Object> train = new LinkedHashMap<>((Map<String, Object>) result.get("train"));
        train.remove("activation_checkpointing");
        result.put("train", train);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((FINGERPRINT_VERSION + yaml(result)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    private static Map<String, Object> lora(LoraConfig l) {
        return section("r", l.r(), "alpha", l.alpha(), "dropout", l.dropout(),
                "target_modules", l.targets() == null ? null : l.targets().peftValue(),
                "use_rslora", l.useRslora(), "seed", l.seed());
    }

    private static Map<String, Object> data(DataSection d) {
        DataSource v = d.validation();
        boolean paths = d.path() != null || d.validationPath() != null;
        return section("path", d.path(), "table", d.source().table(), "sql", d.source().sql(),
                "format", paths ? ConfigNames.of(d.format()) : null, "version", d.source().version(),
                "timestamp", d.source().timestamp(), "text_column", d.textColumn(),
                "prompt_column", d.promptColumn(), "completion_column", d.completionColumn(),
                "validation_path", v.path(), "validation_table", v.table(), "validation_sql", v.sql(),
                "validation_version", v.version(), "validation_timestamp", v.timestamp(),
                "validation_fraction", d.validationFraction(),
                "max_seq_len", d.maxSeqLen(), "packing", d.packing(), "max_bad_row_fraction", d.maxBadRowFraction(),
                "long_rows", ConfigNames.of(d.longRows()), "add_bos", d.addBos(), "add_eos", d.addEos(),
                "block_examples", d.blockExamples());
    }

    /** batch_tokens is already resolved to batch_rows, so the file reads back to the same rows. */
    private static Map<String, Object> train(TrainSection t) {
        return section("batch_rows", t.batchRows(), "micro_batch_rows", t.microBatchRows(),
                "rounds", t.byEpochs() ? null : t.rounds(), "epochs", t.byEpochs() ? t.epochs() : null,
                "learning_rate", t.learningRate(), "schedule", ConfigNames.of(t.schedule()),
                "warmup_steps", t.warmupSteps(), "weight_decay", t.weightDecay(), "max_grad_norm", t.maxGradNorm(),
                "adam_beta1", t.adamBeta1(), "adam_beta2", t.adamBeta2(), "adam_epsilon", t.adamEpsilon(),
                "seed", t.seed(), "nan_policy", ConfigNames.of(t.nanPolicy()),
                "activation_checkpointing", t.activationCheckpointing());
    }

    /** sync_every means nothing under gradient averaging, so only parameter averaging writes (and hashes) it. */
    private static Map<String, Object> distributed(DistributedSection d) {
        return section("workers", d.workers(), "averaging", ConfigNames.of(d.averaging()),
                "sync_every", d.averaging() == Averaging.PARAMETER ? d.syncEvery() : null);
    }

    /** Alternating key, value pairs; null values are left out. */
    private static Map<String, Object> section(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }
}
