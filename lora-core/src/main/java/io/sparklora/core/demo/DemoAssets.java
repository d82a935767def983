package io.sparklora.core.demo;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowPacker;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.OptimizerConfig;
import io.sparklora.core.train.RoundMetrics;
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
 * The embedded default, reproducible with {@code sparklora init-demo DIR}: a tiny LLaMA-family base in Hugging Face
 * layout (config.json, model.safetensors, its own byte-level BPE tokenizer.json), pretrained from scratch with the
 * full-fine-tuning mode on {@link DemoCorpus#pretraining()}, and the prompt/completion dataset of the fine-tuning
 * task. Everything is generated from fixed seeds by this project's own code, so it is free to redistribute.
 */
public final class DemoAssets {
    public static final long SEED = 2106_09685L;
    static final int PRETRAIN_SEQ = 32;
    static final int PRETRAIN_ROUNDS = 400;

    private DemoAssets() {
    }

    /** Writes model/ (pretraining it) and data/train.jsonl under dir; returns the last pretraining loss. */
    public static double write(Path dir) throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        writeDataset(dir.resolve("data"));
        List<String> tokenizerText = new ArrayList<>(DemoCorpus.pretraining());
        DemoCorpus.task().forEach(ex -> tokenizerText.add(ex[0] + ex[1]));
        Path tokenizerFile = model.resolve("tokenizer.json");
        Files.writeString(tokenizerFile, TokenizerBuilder.characterLevel(tokenizerText, 96, List.of("<|endoftext|>")));
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            ModelConfig config = new ModelConfig(ModelFamily.LLAMA, "llama", tokenizer.vocabSize(), 64, 2, 4, 2, 16, 160,
                    128, 1e-6, 10000, true, false, false, false, 0);
            List<TokenizedExample> encoded = new ArrayList<>();
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, false, true);
            for (String sentence : DemoCorpus.pretraining()) {
                encoded.add(encoder.encode(TextExample.plain(sentence)));
            }
            List<TrainingRow> rows = new RowPacker(PRETRAIN_SEQ, true, 0).pack(encoded);
            BaseModel init = randomBase(config);
            CausalLm graph = CausalLm.build(init, null, EngineSpec.training(PRETRAIN_SEQ, TrainingMode.FULL));
            float[] theta = graph.trainableVector();
            OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(3e-3).withWeightDecay(0.01)
                    .withSchedule(LrSchedule.COSINE, 20);
            List<RoundMetrics> history = LocalTrainer.of(graph, new BatchPlan(1, 16, 8, SEED), opt)
                    .train(theta, rows, PRETRAIN_ROUNDS, m -> {
                        if ((m.round() + 1) % 50 == 0) {
                            System.out.printf("pretraining the demo base: step %d/%d, loss %.3f%n", m.round() + 1,
                                    PRETRAIN_ROUNDS, m.loss());
                        }
                    });
            BaseModel pretrained = BaseModel.of(config, graph.trainableLayout().unflatten(theta));
            BaseModelWriter.write(pretrained, model, DType.F32, Map.of("sparklora.demo_seed", String.valueOf(SEED)));
            return history.get(history.size() - 1).loss();
        }
    }

    /** data/train.jsonl: one {"prompt", "completion"} object per line. */
    public static void writeDataset(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        StringBuilder jsonl = new StringBuilder();
        for (String[] ex : DemoCorpus.task()) {
            jsonl.append("{\"prompt\": \"").append(ex[0]).append("\", \"completion\": \"").append(ex[1]).append("\"}\n");
        }
        Files.writeString(dataDir.resolve("train.jsonl"), jsonl.toString());
    }

    /** GPT-2-style initialisation: N(0, 0.02) weights, unit norms. */
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
        Path dir = Path.of(args.length > 0 ? args[0] : "deploy/demo");
        double loss = write(dir);
        System.out.printf("demo base pretrained (final loss %.3f) and dataset written under %s%n", loss, dir);
    }
}
