package io.sparklora.jobs.cli;

import io.sparklora.core.adapter.MergedCheckpoint;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.tensor.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.sparklora.jobs.cli.CliArgs.Option.value;

/** {@code merge}: base + adapter as one plain Hugging Face checkpoint in a new directory. */
final class MergeCommand {
    static final String USAGE = """
            usage: sparklora merge --model DIR --adapter DIR --output DIR [--dtype f32|f16|bf16]
                                   [--label-names L[,L]...] [--problem-type P]   (encoders)

            Folds a LoRA adapter into its base model (W = W0 + s·B·A) and writes a plain Hugging Face checkpoint
            (config.json, model.safetensors and the base's tokenizer files) that loads without the adapter.

              --model DIR     base model directory the adapter was trained on (config.json + safetensors)
              --adapter DIR   PEFT adapter directory (adapter_config.json + adapter_model.safetensors)
              --output DIR    new directory for the merged checkpoint; must not exist or be empty
              --dtype D       f32 (default), f16 or bf16 for the merged weights
              --label-names L[,L]...  encoders: the adapter's classes, class 0 first, as the job's
                                      task.label_names (default: config.json's id2label); written to config.json
              --problem-type P        encoders: single_label_classification, multi_label_classification or
                                      regression, as the job's task.problem_type; written to config.json
              --help          this help

            The adapter must fit the base: same base fingerprint and tensor shapes. Existing files are never
            overwritten.""";

    private static final List<CliArgs.Option> OPTIONS = List.of(value("--model", "path/to/model"),
            value("--adapter", "run/adapter"), value("--output", "path/to/merged"), value("--dtype", "bf16"),
            TaskOptions.OPTIONS.get(0), TaskOptions.OPTIONS.get(1));

    private MergeCommand() {
    }

    static int run(String[] args, PrintStream out) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        CliArgs a = CliArgs.parse("merge", args, 1, OPTIONS, 0);
        Path modelDir = ModelInputs.directory(a, "--model", a.required("--model", "path/to/model"), "model");
        Path adapterDir = ModelInputs.directory(a, "--adapter", a.required("--adapter", "run/adapter"), "adapter");
        Path output = Path.of(a.required("--output", "path/to/merged"));
        DType dtype = switch (a.choice("--dtype", "f32", List.of("f32", "f16", "bf16"))) {
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> DType.F32;
        };
        checkOutput(a, output, modelDir, adapterDir);

        BaseModel base = withTask(a, ModelInputs.loadBase(modelDir), modelDir);
        PeftAdapterFiles.Loaded adapter = ModelInputs.loadAdapter(adapterDir, base, modelDir);
        Path staging = staging(output);
        try {
            MergedCheckpoint.write(base, modelDir, adapter.adapter(), adapter.plan(), staging, dtype);
            publish(staging, output);
        } catch (IOException e) {
            throw new CliException(SparkLoraMain.FAILED, "cannot write the merged checkpoint to " + output + ": "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(staging);
        }
        out.println("merged " + adapter.plan().modules().size() + " adapted modules (r " + adapter.plan().config().r()
                + ", scale " + adapter.plan().config().scale() + ") into " + base.parameterCount() + " parameters, "
                + dtype.safetensorsName());
        out.println("merged checkpoint written to " + output);
        return SparkLoraMain.OK;
    }

    /** An encoder with the task the adapter's head was trained for, when the command line names one. */
    private static BaseModel withTask(CliArgs a, BaseModel base, Path modelDir) {
        if (!TaskOptions.given(a)) {
            return base;
        }
        if (!base.config().family().isEncoder()) {
            throw a.error("--label-names and --problem-type are for encoders (sequence classifiers), and the model in "
                    + modelDir + " is a " + base.config().modelType() + " decoder; leave them out");
        }
        var task = TaskOptions.resolve(a, base.config());
        return base.withTask(task.labels(), task.problem());
    }

    /** Refuses an output that would overwrite anything: a non-empty directory, a file, the model or adapter itself. */
    static void checkOutput(CliArgs a, Path output, Path modelDir, Path adapterDir) {
        for (Path input : List.of(modelDir, adapterDir)) {
            if (sameLocation(output, input)) {
                throw a.error("--output " + output + " is the " + (input == modelDir ? "model" : "adapter")
                        + " directory; write the merged checkpoint to a new directory, e.g. --output "
                        + sibling(input, "merged"));
            }
        }
        if (Files.isRegularFile(output)) {
            throw a.error("--output " + output + " is a file; give a new directory");
        }
        if (Files.isDirectory(output) && !isEmptyDir(output)) {
            throw a.error("--output " + output + " exists and is not empty; merge never overwrites files: give a new"
                    + " or empty directory");
        }
    }

    private static boolean sameLocation(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall through to the path comparison
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static Path sibling(Path dir, String name) {
        Path parent = dir.toAbsolutePath().normalize().getParent();
        return parent == null ? Path.of(name) : parent.resolve(name);
    }

    private static boolean isEmptyDir(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh directory beside the output, so a failed merge leaves no half-written output. */
    private static Path staging(Path output) {
        Path abs = output.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, "." + abs.getFileName() + ".merging-");
        } catch (IOException e) {
            throw CliException.usage("merge: cannot create the output directory " + output + ": " + e.getMessage());
        }
    }

    /** Moves the staged checkpoint into place: a rename when the output does not exist yet. */
    private static void publish(Path staging, Path output) throws IOException {
        if (Files.isDirectory(output)) { // empty, checked before
            try (Stream<Path> files = Files.list(staging)) {
                for (Path f : files.toList()) {
                    Files.move(f, output.resolve(f.getFileName()));
                }
            }
        } else {
            Files.move(staging, output);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden staging directory is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
