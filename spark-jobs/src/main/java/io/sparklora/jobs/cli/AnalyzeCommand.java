package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.analysis.Amplification;
import io.sparklora.core.analysis.DenseMatrix;
import io.sparklora.core.analysis.SimilarityHeatmap;
import io.sparklora.core.analysis.SubspaceSimilarity;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.tensor.SafetensorsFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

import static io.sparklora.jobs.cli.CliArgs.Option.value;

/**
 * {@code analyze}: the LoRA paper's two questions about what an adapter learned, for the user's own adapters.
 * {@code subspace}: how much the A matrices of two adapters (r = 8 vs r = 64, or two seeds) span the same input
 * directions (Section 7.2); {@code amplification}: how each update relates to the weight it adapts (Section 7.3).
 */
final class AnalyzeCommand {
    static final String USAGE = """
            usage: sparklora analyze subspace --adapter DIR --other DIR [--modules NAMES] [--output DIR]
                   sparklora analyze amplification --model DIR --adapter DIR [--modules NAMES] [--output DIR] [--seed N]

            subspace: for each module adapted in both, the normalised subspace similarity
              phi(i, j) = ||U_i^T U_j||_F^2 / min(i, j) between the top-i right-singular vectors of one adapter's A
              and the top-j of the other's, for all i <= r1, j <= r2 (the LoRA paper's Figures 3 and 4). Prints a
              summary per module; with --output, writes subspace.json and one heatmap PNG per module.
            amplification: per adapted module, with U, V the top-r singular directions of dW = s*B*A: ||U^T W V||_F,
              the same for W's own top-r directions and for random ones, ||dW||_F, and the amplification factor
              ||dW||_F / ||U^T W V||_F (the paper's Table 7). dW is never formed. With --output, writes
              amplification.json.

              --modules NAMES  comma-separated module names or suffixes (q_proj, layers.0.self_attn.v_proj); default
                               all
              --output DIR     where to write the JSON (and PNGs); created if missing
              --seed N         seeds the random directions of amplification (default 0)
              --help           this help""";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<CliArgs.Option> SUBSPACE_OPTIONS = List.of(value("--adapter", "run-r8/adapter"),
            value("--other", "run-r64/adapter"), value("--modules", "q_proj,v_proj"), value("--output", "analysis"));
    private static final List<CliArgs.Option> AMPLIFICATION_OPTIONS = List.of(value("--model", "path/to/model"),
            value("--adapter", "run/adapter"), value("--modules", "q_proj,v_proj"), value("--output", "analysis"),
            value("--seed", "0"));

    private AnalyzeCommand() {
    }

    static int run(String[] args, PrintStream out) {
        if (args.length < 2 || args[1].equals("--help") || args[1].equals("-h")) {
            if (args.length < 2) {
                throw CliException.usage("analyze needs a question: subspace or amplification\n" + USAGE);
            }
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        if (CliArgs.wantsHelp(args, 2)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        return switch (args[1]) {
            case "subspace" -> subspace(CliArgs.parse("analyze subspace", args, 2, SUBSPACE_OPTIONS, 0), out);
            case "amplification" -> amplification(CliArgs.parse("analyze amplification", args, 2,
                    AMPLIFICATION_OPTIONS, 0), out);
            default -> throw CliException.usage("analyze: unknown question \"" + args[1]
                    + "\"; use subspace or amplification (sparklora analyze --help)");
        };
    }

    private static int subspace(CliArgs a, PrintStream out) {
        Path first = ModelInputs.directory(a, "--adapter", a.required("--adapter", "run-r8/adapter"), "adapter");
        Path second = ModelInputs.directory(a, "--other", a.required("--other", "run-r64/adapter"), "adapter");
        Map<String, DenseMatrix> as1 = loraA(first);
        Map<String, DenseMatrix> as2 = loraA(second);
        List<String> wanted = modules(a);
        Map<String, Object> modules = new LinkedHashMap<>();
        Optional<Path> output = outputDir(a);
        out.println(String.format(Locale.ROOT, "%-48s %4s %4s %10s %10s %10s", "module", "r1", "r2", "phi(1,1)",
                "phi(r,r)", "mean phi"));
        for (Map.Entry<String, DenseMatrix> e : as1.entrySet()) {
            DenseMatrix other = as2.get(e.getKey());
            if (other == null || !selected(e.getKey(), wanted)) {
                continue;
            }
            double[][] phi;
            try {
                phi = SubspaceSimilarity.grid(e.getValue(), other);
            } catch (IllegalArgumentException ex) {
                throw CliException.usage("module " + e.getKey() + ": " + ex.getMessage());
            }
            int r1 = phi.length;
            int r2 = phi[0].length;
            int r = Math.min(r1, r2);
            double mean = 0;
            for (double[] row : phi) {
                for (double v : row) {
                    mean += v / (r1 * r2);
                }
            }
            out.println(String.format(Locale.ROOT, "%-48s %4d %4d %10.4f %10.4f %10.4f", e.getKey(), r1, r2, phi[0][0],
                    phi[r - 1][r - 1], mean));
            Map<String, Object> entry = new LinkedHashMap<>(); // r1, r2, phi in this order in the JSON
            entry.put("r1", r1);
            entry.put("r2", r2);
            entry.put("phi", phi);
            modules.put(e.getKey(), entry);
            if (output.isPresent()) {
                Path png = output.get().resolve("subspace-" + e.getKey().replaceAll("[^A-Za-z0-9_.-]", "_") + ".png");
                writeFile(png, o -> SimilarityHeatmap.write(o, phi, "phi: " + e.getKey(), "i: " + first + "   j: "
                        + second, "i (r = " + r1 + ")", "j (r = " + r2 + ")"));
            }
        }
        if (modules.isEmpty()) {
            throw CliException.usage("no module is adapted in both " + first + " (" + as1.keySet() + ") and " + second
                    + " (" + as2.keySet() + ")" + (wanted.isEmpty() ? "" : " among --modules " + wanted));
        }
        if (output.isPresent()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("adapter", first.toString());
            doc.put("other", second.toString());
            doc.put("definition", "phi(i, j) = ||U_i^T U_j||_F^2 / min(i, j), U: right-singular vectors of lora_A; "
                    + "phi[i-1][j-1]");
            doc.put("modules", modules);
            writeFile(output.get().resolve("subspace.json"), o -> JSON.writeValue(o, doc));
            out.println("wrote " + output.get().resolve("subspace.json") + " and " + modules.size() + " heatmaps");
        }
        return SparkLoraMain.OK;
    }

    private static int amplification(CliArgs a, PrintStream out) {
        Path modelDir = ModelInputs.directory(a, "--model", a.required("--model", "path/to/model"), "model");
        Path adapterDir = ModelInputs.directory(a, "--adapter", a.required("--adapter", "run/adapter"), "adapter");
        long seed = a.longValue("--seed", 0);
        BaseModel base = ModelInputs.loadBase(modelDir);
        PeftAdapterFiles.Loaded loaded = ModelInputs.loadAdapter(adapterDir, base, modelDir);
        float[] theta = loaded.adapter().thetaFor(loaded.plan());
        double scale = loaded.plan().config().scale();
        List<String> wanted = modules(a);
        Map<String, Object> rows = new LinkedHashMap<>();
        out.println(String.format(Locale.ROOT, "%-48s %4s %14s %14s %14s %10s %8s", "module", "r", "||U'WV|| dW",
                "||U'WV|| W", "||U'WV|| rand", "||dW||", "factor"));
        for (LoraModule m : loaded.plan().modules()) {
            String name = m.base().path();
            if (!selected(name, wanted)) {
                continue;
            }
            DenseMatrix w = weightOutIn(base.weight(m.base().weightName()), m.base().conv1d());
            DenseMatrix aMat = DenseMatrix.of(m.r(), m.base().inFeatures(), loaded.plan().layout().slice(theta, m.aName()));
            DenseMatrix bMat = DenseMatrix.of(m.base().outFeatures(), m.r(), loaded.plan().layout().slice(theta, m.bName()));
            Amplification amp;
            try {
                amp = Amplification.of(w, aMat, bMat, scale, seed);
            } catch (IllegalArgumentException ex) {
                throw CliException.usage("module " + name + ": " + ex.getMessage()
                        + (bMat.frobenius() == 0 ? " (lora_B is all zeros: the adapter is untrained)" : ""));
            }
            out.println(String.format(Locale.ROOT, "%-48s %4d %14.5g %14.5g %14.5g %10.5g %8.3g", name, amp.r(),
                    amp.updateDirections(), amp.weightDirections(), amp.randomDirections(), amp.updateNorm(),
                    amp.factor()));
            rows.put(name, amp);
        }
        if (rows.isEmpty()) {
            throw CliException.usage("--modules " + wanted + " selects none of the adapted modules "
                    + loaded.plan().modules().stream().map(x -> x.base().path()).toList());
        }
        Optional<Path> output = outputDir(a);
        if (output.isPresent()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("model", modelDir.toString());
            doc.put("adapter", adapterDir.toString());
            doc.put("scale", scale);
            doc.put("seed", seed);
            doc.put("modules", rows);
            writeFile(output.get().resolve("amplification.json"), o -> JSON.writeValue(o, doc));
            out.println("wrote " + output.get().resolve("amplification.json"));
        }
        return SparkLoraMain.OK;
    }

    /** The base weight as [out, in] in float64: nn.Linear's layout, or a GPT-2 Conv1D weight [in, out] transposed. */
    private static DenseMatrix weightOutIn(INDArray weight, boolean conv1d) {
        long[] shape = weight.shape();
        DenseMatrix m = DenseMatrix.of((int) shape[0], (int) shape[1], weight.castTo(DataType.FLOAT).dup('c').data().asFloat());
        return conv1d ? m.transpose() : m;
    }

    /** lora_A of every module in an adapter directory, by module path: [r, in]. */
    private static Map<String, DenseMatrix> loraA(Path dir) {
        Path weights = dir.resolve(PeftFormat.WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw CliException.usage(dir + " is not a PEFT adapter directory: it has no " + PeftFormat.WEIGHTS_FILE);
        }
        Map<String, DenseMatrix> out = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            for (String key : file.names()) {
                Matcher m = InspectCommand.LORA_KEY.matcher(key);
                if (m.matches() && m.group(2).equals("A")) {
                    long[] shape = file.info(key).shape();
                    if (shape.length != 2) {
                        throw CliException.usage(weights + ": " + key + " has shape " + java.util.Arrays.toString(shape)
                                + "; lora_A must be [r, in]");
                    }
                    out.put(m.group(1), DenseMatrix.of((int) shape[0], (int) shape[1], file.readFloats(key)));
                }
            }
        } catch (IOException e) {
            throw CliException.usage("cannot read " + weights + ": " + e.getMessage());
        }
        return out;
    }

    private static List<String> modules(CliArgs a) {
        return a.optional("--modules").map(s -> List.of(s.split(","))).orElse(List.of()).stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
    }

    /** Whether a module path is selected: no filter, or equal to a name, or ending with "." + name. */
    static boolean selected(String path, List<String> wanted) {
        return wanted.isEmpty() || wanted.stream().anyMatch(w -> path.equals(w) || path.endsWith("." + w));
    }

    private static Optional<Path> outputDir(CliArgs a) {
        Optional<String> dir = a.optional("--output");
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(dir.get());
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw a.error("--output " + p + " cannot be created: " + e.getMessage());
        }
        return Optional.of(p);
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    private static void writeFile(Path target, Writer writer) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            try (OutputStream o = Files.newOutputStream(tmp)) {
                writer.write(o);
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw CliException.usage("cannot write " + target + ": " + e.getMessage());
        }
    }
}
