package io.sparklora.jobs.cli;

import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelConfigJson;
import io.sparklora.core.text.TextTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What merge, generate and eval load: a model directory (a base or a merged checkpoint), optionally an adapter
 * checked against it, and the tokenizer. Every problem with them is a {@link CliException} with the path and the fix.
 */
final class ModelInputs {
    private ModelInputs() {
    }

    /** A model, with or without an adapter, ready to build inference graphs. */
    record Model(BaseModel base, LoraPlan plan, float[] theta, Path modelDir, Path adapterDir) {
        boolean hasAdapter() {
            return adapterDir != null;
        }

        String describe() {
            return modelDir + (hasAdapter() ? " + adapter " + adapterDir + " (" + plan.modules().size()
                    + " adapted modules, r " + plan.config().r() + ")" : "");
        }

        /** An inference graph (dropout off) of this sequence length with the adapter's θ set. */
        CausalLm graph(int seqLen) {
            CausalLm graph = CausalLm.build(base, plan, EngineSpec.inference(seqLen));
            graph.setTrainable(theta);
            return graph;
        }
    }

    /**
     * Loads a causal LM from --model and, when given, --adapter (fingerprint and shapes checked). An encoder (a
     * sequence classifier) is refused from its config.json, before any weight is read, with {@code forEncoders}: what
     * to use instead.
     */
    static Model load(CliArgs args, String forEncoders) {
        Path modelDir = directory(args, "--model", args.required("--model", "path/to/model"), "model");
        requireDecoder(args, modelDir, forEncoders);
        BaseModel base = loadBase(modelDir);
        if (args.optional("--adapter").isEmpty()) {
            LoraPlan none = noAdapter();
            return new Model(base, none, new float[0], modelDir, null);
        }
        Path adapterDir = directory(args, "--adapter", args.optional("--adapter").get(), "adapter");
        PeftAdapterFiles.Loaded loaded = loadAdapter(adapterDir, base, modelDir);
        return new Model(base, loaded.plan(), loaded.adapter().thetaFor(loaded.plan()), modelDir, adapterDir);
    }

    private static void requireDecoder(CliArgs args, Path modelDir, String forEncoders) {
        ModelConfig config;
        try {
            config = ModelConfigJson.read(modelDir);
        } catch (IOException | IllegalArgumentException e) {
            return; // loadBase reports an unreadable config.json with the rest of the model
        }
        if (config.family().isEncoder()) {
            throw args.error("the model in " + modelDir + " is a " + config.modelType() + " encoder (a sequence "
                    + "classifier), not a causal language model; " + forEncoders);
        }
    }

    /** A plan adapting no module: the graph is exactly the model in the directory. */
    static LoraPlan noAdapter() {
        return LoraPlan.none();
    }

    static Path directory(CliArgs args, String option, String value, String what) {
        Path dir = Path.of(value);
        if (!Files.exists(dir)) {
            throw args.error(option + " " + value + " does not exist; give the " + what + " directory");
        }
        if (!Files.isDirectory(dir)) {
            throw args.error(option + " " + value + " is a file; give the " + what + " directory that holds it"
                    + (dir.getParent() != null ? ", e.g. " + option + " " + dir.getParent() : ""));
        }
        return dir;
    }

    static BaseModel loadBase(Path modelDir) {
        try {
            return BaseModelLoader.load(modelDir);
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage("cannot load the model in " + modelDir + ": " + e.getMessage());
        }
    }

    static PeftAdapterFiles.Loaded loadAdapter(Path adapterDir, BaseModel base, Path modelDir) {
        try {
            return PeftAdapterFiles.read(adapterDir, base.layout()).verifiedFor(base);
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage("the adapter in " + adapterDir + " does not fit the model in " + modelDir + ": "
                    + e.getMessage());
        }
    }

    /** --tokenizer, else tokenizer.json in the model directory. */
    static TextTokenizer tokenizer(CliArgs args, Path modelDir) {
        Path file = tokenizerFile(args, modelDir);
        if (!Files.isRegularFile(file)) {
            throw args.error(args.has("--tokenizer") ? "--tokenizer " + file + " is not a file"
                    : modelDir + " has no tokenizer.json; give one with --tokenizer path/to/tokenizer.json");
        }
        try {
            return TextTokenizer.load(file);
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage("cannot load the tokenizer " + file + ": " + e.getMessage());
        }
    }

    static Path tokenizerFile(CliArgs args, Path modelDir) {
        return args.optional("--tokenizer").map(Path::of).orElse(modelDir.resolve("tokenizer.json"));
    }

    /** Checks that the tokenizer's ids fit the model's embedding table. */
    static void checkVocab(TextTokenizer tok, BaseModel base, Path modelDir, CliArgs args) {
        if (tok.vocabSize() > base.config().vocabSize()) {
            throw CliException.usage("the tokenizer " + tokenizerFile(args, modelDir) + " has " + tok.vocabSize()
                    + " tokens but the model in " + modelDir + " has a vocabulary of " + base.config().vocabSize()
                    + "; use the model's own tokenizer.json");
        }
    }
}
