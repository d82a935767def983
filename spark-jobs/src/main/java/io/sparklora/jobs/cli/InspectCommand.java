package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.tensor.TensorInfo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.sparklora.jobs.cli.CliArgs.Option.value;

/**
 * {@code inspect}: what an adapter directory holds (configuration, tensors, per-module norms, size), read straight
 * from its files; or a training checkpoint's tensors and state.
 */
final class InspectCommand {
    static final String USAGE = """
            usage: sparklora inspect ADAPTER_DIR [--model DIR]
                   sparklora inspect --checkpoint DIR

            Adapter: prints adapter_config.json, every tensor (name, dtype, shape), per adapted module the
            Frobenius norms of A, B and of the scaled update s·B·A (computed from r x r Gram matrices, never forming
            B·A), the number of trainable parameters and the size in bytes. Reads the files only; no base needed.

              --model DIR        also check that the adapter fits this base model (fingerprint, shapes) and print
                                 each update's norm relative to its base weight, ||s·B·A|| / ||W0||
              --checkpoint DIR   a checkpoint directory of a run (output/checkpoints/round-NNNNNNNN): its
                                 tensors, whether its _COMPLETE marker matches the files, and state.json
              --help             this help""";

    /** PEFT tensor keys: [base_model.model.]<module>.lora_A|lora_B[.<adapter name>].weight */
    static final Pattern LORA_KEY = Pattern.compile("^(?:" + Pattern.quote(PeftFormat.KEY_PREFIX)
            + ")?(.+)\\.lora_([AB])(?:\\.[^.]+)?\\.weight$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<CliArgs.Option> OPTIONS = List.of(value("--model", "path/to/model"),
            value("--checkpoint", "run/checkpoints/round-00000100"));

    private InspectCommand() {
    }

    static int run(String[] args, PrintStream out) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        CliArgs a = CliArgs.parse("inspect", args, 1, OPTIONS, 1);
        if (a.has("--checkpoint")) {
            if (!a.positionals().isEmpty() || a.has("--model")) {
                throw a.error("--checkpoint inspects one checkpoint on its own; drop "
                        + (a.has("--model") ? "--model" : "\"" + a.positionals().get(0) + "\""));
            }
            Path dir = ModelInputs.directory(a, "--checkpoint", a.optional("--checkpoint").get(), "checkpoint");
            checkpoint(a, dir, out);
            return SparkLoraMain.OK;
        }
        if (a.positionals().isEmpty()) {
            throw a.error("give an adapter directory, e.g. sparklora inspect run/adapter, or --checkpoint DIR");
        }
        Path dir = Path.of(a.positionals().get(0));
        if (Files.isRegularFile(dir) && dir.getParent() != null) {
            throw a.error(dir + " is a file; give the adapter directory that holds it: sparklora inspect "
                    + dir.getParent());
        }
        dir = ModelInputs.directory(a, "ADAPTER_DIR", dir.toString(), "adapter");
        adapter(a, dir, out);
        return SparkLoraMain.OK;
    }

    /** One adapted module's tensors. */
    private static final class Module {
        String aKey;
        String bKey;
    }

    private static void adapter(CliArgs a, Path dir, PrintStream out) {
        Path configFile = dir.resolve(PeftFormat.CONFIG_FILE);
        Path weightsFile = dir.resolve(PeftFormat.WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile)) {
            String hint = looksLikeCheckpoint(dir) ? "; it looks like a checkpoint: sparklora inspect --checkpoint "
                    + dir : Files.isDirectory(dir.resolve("adapter")) ? "; did you mean " + dir.resolve("adapter") + "?"
                    : "";
            throw a.error(dir + " is not a PEFT adapter directory: it needs " + PeftFormat.CONFIG_FILE + " and "
                    + PeftFormat.WEIGHTS_FILE + hint);
        }
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw CliException.usage(configFile + " is not valid JSON: " + e.getMessage());
        }
        if (config == null || !config.isObject()) {
            throw CliException.usage(configFile + " is not a JSON object");
        }
        out.println("adapter: " + dir);
        out.println(PeftFormat.CONFIG_FILE + ":");
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.println("  " + e.getKey() + ": " + (e.getValue().isTextual() ? e.getValue().asText() : e.getValue()));
        }
        double scale = scale(config, configFile);

        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            out.println(PeftFormat.WEIGHTS_FILE + " (" + Files.size(weightsFile) + " bytes):");
            if (!file.metadata().isEmpty()) {
                out.println("  metadata: " + file.metadata());
            }
            long parameters = 0;
            long dataBytes = 0;
            Map<String, Module> modules = new LinkedHashMap<>();
            List<String> other = new java.util.ArrayList<>();
            for (String key : file.names()) {
                TensorInfo info = file.info(key);
                out.println("  " + key + "  " + info.dtype().safetensorsName() + "  " + Arrays.toString(info.shape()));
                parameters += info.elementCount();
                dataBytes += info.byteLength();
                Matcher m = LORA_KEY.matcher(key);
                if (m.matches()) {
                    Module mod = modules.computeIfAbsent(m.group(1), k -> new Module());
                    if (m.group(2).equals("A")) {
                        mod.aKey = key;
                    } else {
                        mod.bKey = key;
                    }
                } else {
                    other.add(key);
                }
            }

            Map<String, Double> updateNorms = new LinkedHashMap<>();
            out.println(String.format(Locale.ROOT, "modules: %d (s = %s = %s); Frobenius norms:", modules.size(),
                    scaleFormula(config), fmt(scale)));
            int width = modules.keySet().stream().mapToInt(String::length).max().orElse(6);
            out.println(String.format(Locale.ROOT, "  %-" + width + "s  %12s  %12s  %12s", "module", "||A||", "||B||",
                    "||s·B·A||"));
            for (Map.Entry<String, Module> e : modules.entrySet()) {
                Module mod = e.getValue();
                if (mod.aKey == null || mod.bKey == null) {
                    out.println("  " + e.getKey() + "  (missing " + (mod.aKey == null ? "lora_A" : "lora_B") + ")");
                    continue;
                }
                long[] as = file.info(mod.aKey).shape();
                long[] bs = file.info(mod.bKey).shape();
                float[] av = file.readFloats(mod.aKey);
                float[] bv = file.readFloats(mod.bKey);
                double aNorm = LowRankNorms.frobenius(av);
                double bNorm = LowRankNorms.frobenius(bv);
                String update;
                if (as.length == 2 && bs.length == 2 && as[0] == bs[1]) {
                    double u = Math.abs(scale) * LowRankNorms.productFrobenius(av, (int) as[0], (int) as[1], bv,
                            (int) bs[0]);
                    updateNorms.put(e.getKey(), u);
                    update = fmt(u);
                } else {
                    update = "shapes " + Arrays.toString(as) + " / " + Arrays.toString(bs) + " do not chain";
                }
                out.println(String.format(Locale.ROOT, "  %-" + width + "s  %12s  %12s  %12s", e.getKey(), fmt(aNorm),
                        fmt(bNorm), update));
            }
            if (!other.isEmpty()) {
                out.println("other tensors (not LoRA A/B): " + other);
            }
            out.println("trainable parameters: " + parameters);
            out.println("size: " + dataBytes + " bytes of tensor data (" + human(dataBytes) + "); file "
                    + Files.size(weightsFile) + " bytes");
            if (a.has("--model")) {
                againstBase(a, dir, updateNorms, out);
            }
        } catch (IOException e) {
            throw CliException.usage("cannot read " + weightsFile + ": " + e.getMessage());
        }
    }

    /** Loads the base, checks the adapter against it, and prints each update relative to its base weight. */
    private static void againstBase(CliArgs a, Path adapterDir, Map<String, Double> updateNorms, PrintStream out) {
        Path modelDir = ModelInputs.directory(a, "--model", a.optional("--model").get(), "model");
        BaseModel base = ModelInputs.loadBase(modelDir);
        PeftAdapterFiles.Loaded loaded = ModelInputs.loadAdapter(adapterDir, base, modelDir);
        String recorded = loaded.adapter().baseFingerprint();
        out.println("base model: " + modelDir + " (" + base.config().modelType() + ", " + base.config().numLayers()
                + " layers, " + base.parameterCount() + " parameters, fingerprint " + base.fingerprint() + ")");
        out.println("the adapter fits this base: tensor names and shapes match"
                + (recorded.isEmpty() ? "; the adapter records no base fingerprint" : "; fingerprints match"));
        out.println("update relative to the base weight, ||s·B·A|| / ||W0||:");
        for (LoraModule m : loaded.plan().modules()) {
            double w0 = base.weight(m.base().weightName()).norm2Number().doubleValue();
            Double u = updateNorms.get(m.base().path());
            out.println("  " + m.base().path() + "  " + (u == null || w0 == 0 ? "n/a" : fmt(u / w0)));
        }
    }

    private static double scale(JsonNode config, Path configFile) {
        JsonNode r = config.get("r");
        JsonNode alpha = config.get("lora_alpha");
        if (r == null || !r.isIntegralNumber() || r.asInt() <= 0 || alpha == null || !alpha.isNumber()) {
            throw CliException.usage(configFile + " needs an integer \"r\" > 0 and a numeric \"lora_alpha\" (found r "
                    + r + ", lora_alpha " + alpha + ")");
        }
        boolean rs = config.path("use_rslora").asBoolean(false);
        return rs ? alpha.asDouble() / Math.sqrt(r.asInt()) : alpha.asDouble() / r.asInt();
    }

    private static String scaleFormula(JsonNode config) {
        return config.path("use_rslora").asBoolean(false) ? "lora_alpha / sqrt(r)" : "lora_alpha / r";
    }

    private static boolean looksLikeCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve("state.json")) || Files.isRegularFile(dir.resolve("theta.safetensors"));
    }

    private static void checkpoint(CliArgs a, Path dir, PrintStream out) {
        List<Path> safetensors = list(dir, p -> p.getFileName().toString().endsWith(".safetensors"));
        Path state = dir.resolve("state.json");
        if (safetensors.isEmpty() && !Files.isRegularFile(state)) {
            List<Path> rounds = list(dir, p -> Files.isDirectory(p) && p.getFileName().toString().matches("round-\\d+"));
            if (rounds.isEmpty() && Files.isDirectory(dir.resolve("checkpoints"))) {
                rounds = list(dir.resolve("checkpoints"),
                        p -> Files.isDirectory(p) && p.getFileName().toString().matches("round-\\d+"));
            }
            String hint = rounds.isEmpty() ? "" : "; the newest here is --checkpoint " + rounds.get(rounds.size() - 1);
            throw a.error("--checkpoint " + dir + " holds no checkpoint files (theta.safetensors, state.json); give one "
                    + "round directory, e.g. output/checkpoints/round-00000100" + hint);
        }
        out.println("checkpoint: " + dir);
        out.println("_COMPLETE: " + completeness(dir));
        for (Path f : safetensors) {
            try (SafetensorsFile file = SafetensorsFile.open(f)) {
                out.println(f.getFileName() + " (" + Files.size(f) + " bytes):");
                if (!file.metadata().isEmpty()) {
                    out.println("  metadata: " + file.metadata());
                }
                for (String key : file.names()) {
                    TensorInfo info = file.info(key);
                    out.println("  " + key + "  " + info.dtype().safetensorsName() + "  " + Arrays.toString(info.shape())
                            + "  norm " + fmt(LowRankNorms.frobenius(file.readFloats(key))));
                }
            } catch (IOException e) {
                out.println(f.getFileName() + ": unreadable (" + e.getMessage() + ")");
            }
        }
        if (Files.isRegularFile(state)) {
            out.println("state.json:");
            try {
                JsonNode root = JSON.readTree(state.toFile());
                for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode v = e.getValue();
                    if (v.isArray() && v.size() > 2) {
                        out.println("  " + e.getKey() + ": " + v.size() + " entries; first " + v.get(0) + "; last "
                                + v.get(v.size() - 1));
                    } else {
                        out.println("  " + e.getKey() + ": " + (v.isTextual() ? v.asText() : v));
                    }
                }
            } catch (IOException e) {
                out.println("  unreadable (" + e.getMessage() + ")");
            }
        } else {
            out.println("state.json: missing");
        }
    }

    /** Whether the _COMPLETE marker exists and every file it lists matches its SHA-256. */
    private static String completeness(Path dir) {
        Path marker = dir.resolve("_COMPLETE");
        if (!Files.isRegularFile(marker)) {
            return "missing: the checkpoint is incomplete (the run stopped while writing it) and resuming skips it";
        }
        try {
            JsonNode sums = JSON.readTree(marker.toFile());
            List<String> bad = new java.util.ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = sums.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Path f = dir.resolve(e.getKey());
                if (!Files.isRegularFile(f) || !sha256(Files.readAllBytes(f)).equals(e.getValue().asText())) {
                    bad.add(e.getKey());
                }
            }
            return bad.isEmpty() ? "present; all " + sums.size() + " files match their SHA-256"
                    : "present, but " + bad + " do not match their SHA-256 (truncated or corrupted); resuming skips "
                    + "this checkpoint";
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(filter).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
