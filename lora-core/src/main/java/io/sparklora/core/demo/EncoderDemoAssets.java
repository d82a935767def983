package io.sparklora.core.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.MaskedLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.model.EncoderConfig;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.text.SentencePairEncoder;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.MaskedLmRows;
import io.sparklora.core.train.MlmMasking;
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
import java.util.Set;
import java.util.function.Consumer;

/**
 * The classification demo, reproducible with {@code sparklora init-demo DIR}: a tiny BERT (config.json,
 * model.safetensors with its masked-language head under {@code cls.predictions.*}, its own WordPiece tokenizer.json)
 * pretrained from scratch by masked-language modelling ({@link MaskedLm}) on {@link EncoderDemoCorpus#pretraining()},
 * and the labelled sentence pairs of {@link EncoderDemoCorpus#task()}. Everything is generated from fixed seeds by
 * this project's own code, so it is free to redistribute.
 */
public final class EncoderDemoAssets {
    public static final long SEED = 2106_09685L + 11;
    public static final String MODEL_DIR = "encoder";
    public static final String DATA_FILE = "data/classify.jsonl";
    static final int SEQ = 16;
    static final int PRETRAIN_ROUNDS = 400;
    static final int PRETRAIN_BATCH = 32;

    private EncoderDemoAssets() {
    }

    /** Writes encoder/ (pretraining it) and data/classify.jsonl under dir; returns the last pretraining loss. */
    public static double write(Path dir) throws IOException {
        Path model = dir.resolve(MODEL_DIR);
        Files.createDirectories(model);
        writeDataset(dir.resolve(DATA_FILE));
        Path tokenizerFile = model.resolve("tokenizer.json");
        Files.writeString(tokenizerFile, TokenizerBuilder.wordPiece(EncoderDemoCorpus.words()));
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            Pretrained pretrained = pretrain(tokenizer, PRETRAIN_ROUNDS, m -> {
                if ((m.round() + 1) % 100 == 0) {
                    System.out.printf("pretraining the demo encoder: step %d/%d, masked-token loss %.3f%n", m.round() + 1,
                            PRETRAIN_ROUNDS, m.loss());
                }
            });
            BaseModelWriter.write(pretrained.model(), model, DType.F32, Map.of("sparklora.demo_seed", String.valueOf(SEED)));
            return pretrained.loss();
        }
    }

    /** The pretrained encoder (its weights and the MLM head's under cls.predictions.*) and the last step's loss. */
    record Pretrained(BaseModel model, double loss) {
    }

    /** BERT's initialisation, then {@code rounds} steps of masked-language modelling on the corpus. */
    static Pretrained pretrain(TextTokenizer tokenizer, int rounds, Consumer<RoundMetrics> progress) {
        ModelConfig config = config(tokenizer.vocabSize());
        BaseModel init = randomBase(config);
        SentencePairEncoder encoder = new SentencePairEncoder(tokenizer, config);
        List<SentencePairEncoder.Encoded> rows = new ArrayList<>();
        for (EncoderDemoCorpus.Pair p : EncoderDemoCorpus.pretraining()) {
            rows.add(encoder.encode(p.text(), p.pair(), SEQ));
        }
        MlmMasking masking = new MlmMasking(id(tokenizer, "[MASK]"), config.vocabSize(), Set.of(id(tokenizer, "[PAD]"),
                id(tokenizer, "[CLS]"), id(tokenizer, "[SEP]")));
        try (MaskedLm mlm = MaskedLm.build(init, EngineSpec.training(SEQ, TrainingMode.FULL), SEED)) {
            float[] theta = mlm.trainableVector();
            OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(2e-3).withWeightDecay(0.01)
                    .withSchedule(LrSchedule.COSINE, 30);
            MaskedLmRows engine = new MaskedLmRows(mlm, masking, config.encoderConfig().padTokenId());
            List<RoundMetrics> history = new LocalTrainer<>(engine, new BatchPlan(1, PRETRAIN_BATCH, PRETRAIN_BATCH, SEED),
                    opt).train(theta, rows, rounds, progress);
            Map<String, INDArray> weights = new LinkedHashMap<>(init.weights());
            weights.putAll(mlm.trainableLayout().unflatten(theta));
            return new Pretrained(BaseModel.of(config, weights), history.get(history.size() - 1).loss());
        }
    }

    /** Hidden 64, 2 layers of 4 heads, MLP 128, 32 positions, sentence-pair token types, [PAD] = 0. */
    static ModelConfig config(int vocabSize) {
        EncoderConfig encoder = new EncoderConfig(2, 0, EncoderConfig.defaultLabels(2), ProblemType.SINGLE_LABEL, 0.02);
        return ModelConfig.encoder(ModelFamily.BERT, "bert", vocabSize, 64, 2, 4, 128, 32, 1e-12, encoder);
    }

    private static int id(TextTokenizer tokenizer, String token) {
        return tokenizer.tokenId(token).orElseThrow(() -> new IllegalStateException("the tokenizer has no " + token));
    }

    /** data/classify.jsonl: one {"text", "pair", "label"} object per line. */
    public static void writeDataset(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ObjectMapper json = new ObjectMapper();
        StringBuilder jsonl = new StringBuilder();
        for (EncoderDemoCorpus.Example e : EncoderDemoCorpus.task()) {
            ObjectNode row = json.createObjectNode().put("text", e.text()).put("pair", e.pair()).put("label", e.label());
            jsonl.append(json.writeValueAsString(row)).append('\n');
        }
        Files.writeString(file, jsonl.toString());
    }

    /**
     * BERT's initialisation (transformers' _init_weights): weights and embeddings ~ N(0, 0.02²) with the padding
     * row zero, LayerNorm weight 1, biases 0.
     */
    static BaseModel randomBase(ModelConfig config) {
        Random rng = new Random(SEED);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        int h = config.hiddenSize();
        for (Map.Entry<String, long[]> e : ModelLayout.of(config).parameterShapes().entrySet()) {
            String name = e.getKey();
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = name.endsWith("LayerNorm.weight") ? 1f : name.endsWith(".bias") ? 0f
                        : (float) (config.encoderConfig().initializerRange() * rng.nextGaussian());
            }
            if (name.endsWith("word_embeddings.weight")) {
                int pad = config.encoderConfig().padTokenId();
                java.util.Arrays.fill(v, pad * h, (pad + 1) * h, 0f);
            }
            weights.put(name, Arrays2.fromFloats(v, e.getValue()));
        }
        return BaseModel.of(config, weights);
    }

    public static void main(String[] args) throws IOException {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
        Path dir = Path.of(args.length > 0 ? args[0] : "deploy/demo");
        double loss = write(dir);
        System.out.printf("demo encoder pretrained (final masked-token loss %.3f) and dataset written under %s%n", loss, dir);
    }
}
