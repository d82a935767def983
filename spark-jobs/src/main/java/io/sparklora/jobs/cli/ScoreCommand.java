package io.sparklora.jobs.cli;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.DataSection;
import io.sparklora.jobs.config.DataSource;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.data.ClassificationSpec;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.score.ClassifierScorer;
import io.sparklora.jobs.score.DecoderScorer;
import io.sparklora.jobs.score.ScoreJob;
import io.sparklora.jobs.score.ScoreOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.sparklora.jobs.cli.CliArgs.Option.flag;
import static io.sparklora.jobs.cli.CliArgs.Option.value;

/**
 * {@code score}: a Spark batch job that scores every row of a table with a model (a base model plus an adapter, or a
 * merged model) and writes one Parquet row per input row, published atomically ({@link ScoreJob}).
 */
final class ScoreCommand {
    static final String USAGE = """
            usage: sparklora score --model URI [--adapter URI] [--tokenizer URI]
                                   (--path P [--format F] | --table NAME | --sql QUERY) [--version N | --timestamp T]
                                   --id-columns C[,C]... --output URI [--overwrite]
                                   [--text-column NAME | --prompt-column NAME --completion-column NAME]
                                   [--max-seq-len N] [--long-rows truncate|reject] [--batch-rows N] [--generate N]
                                   [--text-pair-column NAME] [--label-names L[,L]...]   (encoders)
                                   [--problem-type P]

            Scores every row of a table on the executors (the model loaded once per executor JVM) and writes exactly
            one Parquet row per input row under --output: the id columns, loss_sum, loss_mean and loss_tokens (the
            natural-log next-token loss over the completion tokens and EOS, as training counts it, one example per
            row), truncated, completion (with --generate) and error (null, or why the row was not scored). The output
            appears whole or not at all: written to a hidden directory beside it, moved into place, then _SUCCESS.
            With an encoder (bert, roberta, xlm-roberta: a sequence classifier) each row gets predicted_label,
            predicted_id and probabilities (softmax over the classes), or prediction for regression, or for
            multi-label predicted_labels, predicted_ids (probability >= 0.5) and probabilities (per-label sigmoid),
            and truncated.

              --model URI              model directory (a base or a merged checkpoint), any Hadoop path
              --adapter URI            PEFT adapter trained on that model
              --tokenizer URI          tokenizer.json (default: the one in the model directory)
              --path P                 input files (file, directory or glob) or a Delta/Iceberg table's path
              --format F               jsonl (default), json, parquet, csv, text, delta or iceberg
              --table NAME             a table of the session's catalog
              --sql QUERY              a query whose result columns are the input
              --version N              Delta version or Iceberg snapshot id to read
              --timestamp T            read a Delta/Iceberg table as of this time
              --id-columns C[,C]...    input columns copied to each output row to identify it (required)
              --output URI             output directory; refused when it exists, unless --overwrite
              --overwrite              replace an existing output (only once the new one is complete)
              --text-column NAME       plain-text column (default text)
              --prompt-column NAME     with --completion-column: prompt/completion rows; only the completion (and
              --completion-column NAME   EOS) counts in the loss
              --max-seq-len N          tokens per row (default min(128, max_position_embeddings))
              --long-rows P            truncate (default, as data.long_rows) or reject a row longer than
                                       --max-seq-len + 1 tokens (rejected: an error row)
              --batch-rows N           rows per forward pass (default 8)
              --generate N             also write the greedy completion of each prompt (of the text, for plain
                                       text), at most N tokens
              --text-pair-column NAME  encoders: the second text of a sentence pair
              --label-names L[,L]...   encoders: the adapter's classes, class 0 first (default: config.json's
                                       id2label); one name means regression
              --problem-type P         encoders: single_label_classification, multi_label_classification or
                                       regression (default: from --label-names, else config.json's problem_type)
              --help                   this help

            Exit codes: 0 ok, 2 bad arguments or unusable model/adapter/output, 3 data error, 1 other.""";

    static final int DEFAULT_BATCH_ROWS = 8;
    private static final List<CliArgs.Option> OPTIONS = List.of(value("--model", "path/to/model"),
            value("--adapter", "run/adapter"), value("--tokenizer", "path/to/tokenizer.json"),
            value("--path", "data/rows.parquet"), value("--format", "parquet"), value("--table", "lake.rows"),
            value("--sql", "\"SELECT id, text FROM lake.rows\""), value("--version", "3"),
            value("--timestamp", "\"2026-11-28 09:30:00\""), value("--id-columns", "id"),
            value("--output", "scores/run-1"), flag("--overwrite"), value("--text-column", "text"),
            value("--prompt-column", "prompt"), value("--completion-column", "completion"),
            value("--max-seq-len", "128"), value("--long-rows", "truncate"), value("--batch-rows", "8"),
            value("--generate", "32"), value("--text-pair-column", "sentence2"),
            TaskOptions.OPTIONS.get(0), TaskOptions.OPTIONS.get(1));

    private ScoreCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (CliException e) {
            err.println(e.getMessage());
            return e.exitCode();
        }
        SparkSession spark = SparkLoraMain.session();
        try {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            ScoreJob.Request request = options.request(hadoop);
            ScoreJob.Result result = ScoreJob.run(spark, request);
            out.println("scored " + result.rows() + " rows (" + result.errorRows() + " with an error) into "
                    + request.output());
            return SparkLoraMain.OK;
        } catch (Exception e) {
            return SparkLoraMain.failure(e, err);
        } finally {
            spark.stop();
        }
    }

    /** The command line, checked before Spark starts. */
    record Options(CliArgs a, DataSource source, DataFormat format, List<String> ids, String output, boolean overwrite,
                   String model, String adapter, String tokenizer, int batchRows, int generate, boolean truncate) {
        static Options parse(String[] args) {
            CliArgs a = CliArgs.parse("score", args, 1, OPTIONS, 0);
            String model = a.required("--model", "path/to/model");
            String output = a.required("--output", "scores/run-1");
            String ids = a.required("--id-columns", "id");
            List<String> idList = Arrays.stream(ids.split(",")).map(String::strip).toList();
            if (idList.stream().anyMatch(String::isEmpty)) {
                throw a.error("--id-columns \"" + ids + "\" has an empty name; list column names separated by commas, "
                        + "e.g. --id-columns id,ts");
            }
            boolean paired = a.has("--prompt-column") || a.has("--completion-column");
            if (paired && !(a.has("--prompt-column") && a.has("--completion-column"))) {
                throw a.error("--prompt-column and --completion-column go together; give both, e.g. --prompt-column "
                        + "prompt --completion-column completion");
            }
            if (paired && a.has("--text-column")) {
                throw a.error("--text-column is for plain text; with --prompt-column/--completion-column leave it out");
            }
            String format = a.choice("--format", "jsonl", Arrays.stream(DataFormat.values())
                    .map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
            if (a.has("--format") && !a.has("--path")) {
                throw a.error("--format applies to --path; a --table or --sql brings its own format");
            }
            DataSource source;
            try {
                source = new DataSource("--", a.optional("--path").orElse(null), a.optional("--table").orElse(null),
                        a.optional("--sql").orElse(null), a.has("--version") ? a.longValue("--version", 0) : null,
                        a.optional("--timestamp").orElse(null));
            } catch (JobConfigException e) {
                throw a.error(e.getMessage());
            }
            if (!source.present()) {
                throw a.error("give the input with --path (files or a Delta/Iceberg path), --table or --sql");
            }
            DataFormat dataFormat = DataFormat.valueOf(format.toUpperCase(Locale.ROOT));
            if (source.kind() == DataSource.Kind.PATH && (source.version() != null || source.timestamp() != null)
                    && !dataFormat.versioned()) {
                throw a.error((source.version() != null ? "--version" : "--timestamp") + " needs --format delta or "
                        + "iceberg (plain files have no versions)");
            }
            int batchRows = a.intValue("--batch-rows", DEFAULT_BATCH_ROWS, 1);
            int generate = a.intValue("--generate", 0, 1);
            boolean truncate = a.choice("--long-rows", "truncate", List.of("truncate", "reject")).equals("truncate");
            return new Options(a, source, dataFormat, idList, output, a.flag("--overwrite"), model,
                    a.optional("--adapter").orElse(null),
                    a.optional("--tokenizer").orElse(new Path(model, "tokenizer.json").toString()), batchRows, generate,
                    truncate);
        }

        /** Checks the output, model, tokenizer and adapter on the driver (each a one-line error) and builds the job. */
        ScoreJob.Request request(Configuration hadoop) throws IOException {
            ScoreOutput target = new ScoreOutput(output, hadoop);
            target.recover();
            if (target.exists() && !overwrite) {
                throw a.error("--output " + output + (target.complete() ? " already holds scores" : " exists (an "
                        + "incomplete or foreign output: no " + ScoreOutput.MARKER + ")") + "; give a new --output, or "
                        + "--overwrite to replace it once the new scores are complete");
            }
            TrainInputs.Keys keys = new TrainInputs.Keys("--model", "--tokenizer");
            ModelConfig config = TrainInputs.model(model, hadoop, keys);
            TrainInputs.tokenizer(tokenizer, model, config, hadoop, keys);
            int maxPositions = config.maxPositions();
            int seqLen = a.intValue("--max-seq-len", Math.min(DataSection.DEFAULT_MAX_SEQ_LEN, maxPositions), 2);
            if (seqLen > maxPositions) {
                throw a.error("--max-seq-len " + seqLen + " exceeds the model's max_position_embeddings " + maxPositions
                        + "; use --max-seq-len " + maxPositions + " or less");
            }
            Map<String, Object> described = new LinkedHashMap<>();
            described.put("model", model);
            described.put("model_type", config.modelType());
            described.put("tokenizer", tokenizer);
            if (config.family().isEncoder()) {
                return classifierRequest(config, seqLen, described, hadoop);
            }
            for (String encoderOnly : List.of("--text-pair-column", "--label-names", "--problem-type")) {
                if (a.has(encoderOnly)) {
                    throw a.error(encoderOnly + " is for encoders (sequence classifiers), and the model in " + model
                            + " is a " + config.modelType() + " decoder; leave it out");
                }
            }
            DecoderScorer scorer;
            String textColumn = a.optional("--text-column").orElse(DataSection.DEFAULT_TEXT_COLUMN);
            String prompt = a.optional("--prompt-column").orElse(null);
            String completion = a.optional("--completion-column").orElse(null);
            if (adapter == null) {
                described.put("adapter", null);
                scorer = new DecoderScorer(model, tokenizer, null, null, null, "", textColumn, prompt, completion,
                        seqLen, truncate, batchRows, generate);
            } else {
                PeftAdapterFiles.Loaded loaded = adapter(config, hadoop);
                described.put("adapter", adapter);
                described.put("adapter_sha256", adapterSha256(hadoop));
                described.put("adapter_r", loaded.plan().config().r());
                described.put("adapter_base_fingerprint", loaded.adapter().baseFingerprint());
                scorer = new DecoderScorer(model, tokenizer, adapter, loaded.plan().config(),
                        loaded.adapter().thetaFor(loaded.plan()), loaded.adapter().baseFingerprint(), textColumn, prompt,
                        completion, seqLen, truncate, batchRows, generate);
            }
            return new ScoreJob.Request(source, format, ids, output, scorer, described);
        }

        /** A sequence classifier's job: the classes from --label-names or config.json, the head from the adapter. */
        private ScoreJob.Request classifierRequest(ModelConfig config, int seqLen, Map<String, Object> described,
                                                   Configuration hadoop) throws IOException {
            for (String decoderOnly : List.of("--prompt-column", "--completion-column", "--generate", "--long-rows")) {
                if (a.has(decoderOnly)) {
                    throw a.error(decoderOnly + " is for decoders, and the model in " + model + " is a "
                            + config.modelType() + " encoder (a sequence classifier); leave it out (rows longer than "
                            + "--max-seq-len are cut as training cuts them)");
                }
            }
            ClassificationSpec task = TaskOptions.resolve(a, config);
            ModelConfig withHead = task.headOf(config);
            String textColumn = a.optional("--text-column").orElse(DataSection.DEFAULT_TEXT_COLUMN);
            String pairColumn = a.optional("--text-pair-column").orElse(null);
            described.put("labels", task.labels());
            ClassifierScorer scorer;
            if (adapter == null) {
                described.put("adapter", null);
                scorer = new ClassifierScorer(model, tokenizer, null, null, null, "", textColumn, pairColumn, task,
                        seqLen, batchRows);
            } else {
                PeftAdapterFiles.Loaded loaded = adapter(withHead, hadoop);
                described.put("adapter", adapter);
                described.put("adapter_sha256", adapterSha256(hadoop));
                described.put("adapter_r", loaded.plan().config().r());
                described.put("adapter_base_fingerprint", loaded.adapter().baseFingerprint());
                scorer = new ClassifierScorer(model, tokenizer, adapter, loaded.plan().config(),
                        loaded.adapter().thetaFor(loaded.plan()), loaded.adapter().baseFingerprint(), textColumn,
                        pairColumn, task, seqLen, batchRows);
            }
            return new ScoreJob.Request(source, format, ids, output, scorer, described);
        }

        /** The adapter's names and shapes checked against config.json; its base fingerprint on the executors. */
        private PeftAdapterFiles.Loaded adapter(ModelConfig config, Configuration hadoop) throws IOException {
            Path dir = new Path(adapter);
            if (!HadoopFiles.exists(dir, hadoop)) {
                throw a.error("--adapter " + adapter + " does not exist; give the adapter directory");
            }
            java.nio.file.Path local;
            java.nio.file.Path tmp = null;
            if (HadoopFiles.isLocal(dir, hadoop)) {
                local = java.nio.file.Path.of(dir.toUri().getPath());
                if (!Files.isDirectory(local)) {
                    throw a.error("--adapter " + adapter + " is a file; give the adapter directory that holds it");
                }
            } else {
                tmp = Files.createTempDirectory("sparklora-adapter");
                HadoopFiles.copyToLocal(dir, tmp, hadoop);
                local = tmp;
            }
            try {
                return PeftAdapterFiles.read(local, ModelLayout.of(config));
            } catch (IOException | IllegalArgumentException e) {
                throw CliException.usage("the adapter in " + adapter + " does not fit the model in " + model + ": "
                        + e.getMessage());
            } finally {
                if (tmp != null) {
                    try (var files = Files.walk(tmp)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }

        /** SHA-256 over the adapter's two files (config, then weights): which adapter exactly was scored. */
        private String adapterSha256(Configuration hadoop) throws IOException {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                for (String file : List.of(PeftFormat.CONFIG_FILE, PeftFormat.WEIGHTS_FILE)) {
                    md.update(HadoopFiles.readBytes(new Path(adapter, file), hadoop));
                }
                return "sha256:" + HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime provides SHA-256", e);
            }
        }
    }
}
