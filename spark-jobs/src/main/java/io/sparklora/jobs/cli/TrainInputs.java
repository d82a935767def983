package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.jobs.data.ClassificationSpec;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelConfigJson;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.file.Files;

/**
 * What {@code train} checks on the driver before any Spark work: the model directory (config.json, and for a local
 * model every safetensors header, tensor name and shape), the LoRA plan against the model's dimensions, and the
 * tokenizer against the model's vocabulary. Each problem is one {@link CliException} (exit 2) naming the file and the
 * fix, so that it never surfaces as a failed Spark task.
 */
final class TrainInputs {
    static final String MODEL_ERROR = "model error: ";
    static final String CONFIG_ERROR = "configuration error: ";

    private TrainInputs() {
    }

    /** How messages name the model and tokenizer settings: the job file's keys, or a command's options. */
    record Keys(String model, String tokenizer) {
    }

    static final Keys JOB_KEYS = new Keys("model.path", "model.tokenizer");

    static void check(JobConfig config, Configuration hadoop) {
        ModelConfig model = model(config.model().path(), hadoop, JOB_KEYS);
        if (model.family().isEncoder() && !config.task().classification()) {
            throw CliException.usage(MODEL_ERROR + "the model in " + config.model().path() + " is a " + model.modelType()
                    + " encoder: set task.label_column (the labels' column) to train it as a sequence classifier");
        }
        if (!model.family().isEncoder() && config.task().classification()) {
            throw CliException.usage(CONFIG_ERROR + "task.label_column trains an encoder as a sequence classifier, but the "
                    + "model in " + config.model().path() + " is a " + model.modelType() + " decoder; remove the task "
                    + "section, or point model.path at a bert, roberta or xlm-roberta model");
        }
        if (config.task().classification()) {
            try {
                model = ClassificationSpec.resolve(config.task(), model).headOf(model);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(CONFIG_ERROR + e.getMessage() + " (model " + config.model().path() + ")");
            }
        }
        try {
            LoraPlan.of(config.lora(), ModelLayout.of(model));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(CONFIG_ERROR + e.getMessage() + " (model " + config.model().path() + ")");
        }
        tokenizer(config.model().tokenizer(), config.model().path(), model, hadoop, JOB_KEYS);
    }

    /** The model's config.json (every header, name and shape checked for a local model), read through Hadoop. */
    static ModelConfig model(String uri, Configuration hadoop, Keys keys) {
        Path path = new Path(uri);
        try {
            if (HadoopFiles.isLocal(path, hadoop)) {
                java.nio.file.Path dir = java.nio.file.Path.of(path.toUri().getPath());
                if (!Files.exists(dir)) {
                    throw CliException.usage(MODEL_ERROR + keys.model() + " " + uri + " does not exist; set "
                            + keys.model() + " to the directory that holds config.json and the safetensors weights");
                }
                if (!Files.isDirectory(dir)) {
                    throw CliException.usage(MODEL_ERROR + keys.model() + " " + uri + " is a file; set "
                            + keys.model() + " to the directory that holds config.json and the safetensors weights");
                }
                return BaseModelLoader.check(dir);
            }
            Path file = new Path(path, ModelConfigJson.FILE_NAME);
            if (!HadoopFiles.exists(file, hadoop)) {
                throw new IOException(file + " not found: a model directory needs the Hugging Face config.json beside its safetensors");
            }
            return ModelConfigJson.parse(new ObjectMapper().readTree(HadoopFiles.readString(file, hadoop)), file.toString());
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage(MODEL_ERROR + "cannot use the model in " + uri + ": " + e.getMessage()
                    + " (" + keys.model() + " must be an unmodified Hugging Face model directory)");
        }
    }

    /** The tokenizer exists, loads, and produces no id beyond the model's vocabulary. */
    static void tokenizer(String uri, String modelUri, ModelConfig model, Configuration hadoop, Keys keys) {
        Path path = new Path(uri);
        java.nio.file.Path tmp = null;
        try {
            if (!HadoopFiles.exists(path, hadoop)) {
                throw CliException.usage(MODEL_ERROR + "tokenizer " + uri + " not found; put the model's tokenizer.json "
                        + "in " + keys.model() + " or set " + keys.tokenizer() + " to it");
            }
            java.nio.file.Path local;
            if (HadoopFiles.isLocal(path, hadoop)) {
                local = java.nio.file.Path.of(path.toUri().getPath());
            } else {
                tmp = Files.createTempDirectory("sparklora-tokenizer");
                HadoopFiles.copyToLocal(path, tmp, hadoop);
                local = tmp.resolve(path.getName());
            }
            int vocab;
            try (TextTokenizer tok = TextTokenizer.load(local)) {
                vocab = tok.vocabSize();
                if (model.family().isEncoder()) {
                    new io.sparklora.core.text.SentencePairEncoder(tok, model); // its special tokens and padding id
                }
            }
            if (vocab > model.vocabSize()) {
                throw CliException.usage(MODEL_ERROR + "the tokenizer " + uri + " produces token ids up to " + (vocab - 1)
                        + " but " + modelUri + "/" + ModelConfigJson.FILE_NAME + " has vocab_size " + model.vocabSize()
                        + "; use the model's own tokenizer.json (" + keys.tokenizer() + ")");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage(MODEL_ERROR + "cannot load the tokenizer " + uri + ": " + e.getMessage()
                    + "; set " + keys.tokenizer() + " to the model's tokenizer.json");
        } finally {
            if (tmp != null) {
                try (var files = Files.walk(tmp)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary copy
                }
            }
        }
    }
}
