package io.sparklora.core.demo;

import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The embedded default: a tiny LLaMA-family model in Hugging Face layout (config.json, model.safetensors,
 * tokenizer.json) and a small prompt/completion dataset, generated deterministically so the repository carries
 * no binary weights and needs no model hub. The base is randomly initialised (GPT-2-style N(0, 0.02)).
 */
public final class DemoAssets {
    public static final long SEED = 2106_09685L;
    private static final String[] ANIMALS = {"cat", "dog", "cow", "duck", "owl", "bee", "frog", "lion", "sheep", "horse"};
    private static final String[] SOUNDS = {"meow", "woof", "moo", "quack", "hoot", "buzz", "croak", "roar", "baa", "neigh"};

    private DemoAssets() {
    }

    /** The fine-tuning task: which sound does an animal make (prompt) → the sound (completion). */
    public static List<String[]> examples() {
        List<String[]> out = new ArrayList<>();
        String[] templates = {"the %s says", "what does the %s say?", "a %s goes", "sound of a %s:"};
        for (int rep = 0; rep < 3; rep++) {
            for (int a = 0; a < ANIMALS.length; a++) {
                for (String t : templates) {
                    out.add(new String[] {String.format(t, ANIMALS[a]) + " ", SOUNDS[a] + "."});
                }
            }
        }
        return out;
    }

    /** Writes model/ and data/train.jsonl under dir (skipping what exists) and returns dir. */
    public static Path write(Path dir) throws IOException {
        Path model = dir.resolve("model");
        Path data = dir.resolve("data");
        Files.createDirectories(model);
        Files.createDirectories(data);
        List<String> corpus = new ArrayList<>();
        for (String[] ex : examples()) {
            corpus.add(ex[0] + ex[1]);
        }
        Path tokenizerFile = model.resolve("tokenizer.json");
        if (!Files.exists(tokenizerFile)) {
            Files.writeString(tokenizerFile, TokenizerBuilder.characterLevel(corpus, 64, List.of("<|endoftext|>")));
        }
        if (!Files.exists(model.resolve(BaseModelWriter.WEIGHTS_FILE))) {
            int vocab;
            try (TextTokenizer tok = TextTokenizer.load(tokenizerFile)) {
                vocab = tok.vocabSize();
            }
            ModelConfig config = new ModelConfig(ModelFamily.LLAMA, "llama", vocab, 64, 2, 4, 2, 16, 128, 128, 1e-6,
                    10000, true, false, false, false, 0);
            BaseModelWriter.write(randomBase(config), model, DType.F32, Map.of("sparklora.demo_seed", String.valueOf(SEED)));
        }
        StringBuilder jsonl = new StringBuilder();
        for (String[] ex : examples()) {
            jsonl.append("{\"prompt\": \"").append(ex[0]).append("\", \"completion\": \"").append(ex[1]).append("\"}\n");
        }
        Files.writeString(data.resolve("train.jsonl"), jsonl.toString());
        return dir;
    }

    static BaseModel randomBase(ModelConfig config) {
        Random rng = new Random(SEED);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ModelLayout.of(config).parameterShapes().entrySet()) {
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            float[] v = new float[n];
            boolean norm = e.getKey().endsWith("norm.weight");
            for (int i = 0; i < n; i++) {
                v[i] = norm ? 1f : (float) (0.02 * rng.nextGaussian());
            }
            weights.put(e.getKey(), Arrays2.fromFloats(v, e.getValue()));
        }
        return BaseModel.of(config, weights);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/demo");
        write(dir);
        System.out.println("demo model and data written under " + dir);
    }
}
