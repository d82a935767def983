package io.sparklora.core.testing;

import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.model.RopeScaling;
import io.sparklora.core.tensor.DType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Tiny randomly initialised checkpoints of both families, generated in Hugging Face layout by test code. */
public final class TinyModels {
    public static final int VOCAB = 29;

    private TinyModels() {
    }

    public static ModelConfig gpt2() {
        return new ModelConfig(ModelFamily.GPT2, "gpt2", VOCAB, 32, 2, 4, 4, 8, 64, 16, 1e-5, 0, true,
                true, true, true, 0);
    }

    /** Grouped-query attention (4 query heads over 2 key/value heads) and an untied head. */
    public static ModelConfig llama() {
        return new ModelConfig(ModelFamily.LLAMA, "llama", VOCAB, 16, 2, 4, 2, 4, 24, 32, 1e-6, 10000, false,
                false, false, false, 0);
    }

    /**
     * head_dim (8) wider than hidden / heads (16 / 4), so q is [32, 16] and o [16, 32], and a bias on every
     * projection (attention_bias and mlp_bias).
     */
    public static ModelConfig llamaWideHeadsWithBiases() {
        return new ModelConfig(ModelFamily.LLAMA, "llama", VOCAB, 16, 2, 4, 2, 8, 24, 32, 1e-6, 10000, false,
                true, true, true, 0);
    }

    /**
     * For positions in the hundreds: head_dim 16 over hidden 16 / 4 heads, biases everywhere, 8192 positions and
     * the given rotary scaling. With rope_theta 10000 the 8 rotary wavelengths run from 6 to 19869 positions.
     */
    public static ModelConfig llamaLongContext(RopeScaling scaling) {
        return new ModelConfig(ModelFamily.LLAMA, "llama", VOCAB, 16, 2, 4, 2, 16, 24, 8192, 1e-6, 10000, false,
                true, true, true, 0, scaling);
    }

    /** BERT: 2 token types, 3 labels (single-label classification), 16 positions. */
    public static ModelConfig bert() {
        return bert(java.util.List.of("a", "b", "c"), io.sparklora.core.model.ProblemType.SINGLE_LABEL);
    }

    public static ModelConfig bert(java.util.List<String> labels, io.sparklora.core.model.ProblemType problem) {
        return ModelConfig.encoder(ModelFamily.BERT, "bert", VOCAB, 16, 2, 4, 24, 16, 1e-12,
                new io.sparklora.core.model.EncoderConfig(2, 0, labels, problem, 0.2));
    }

    /** RoBERTa: one token type, pad id 1 (positions start at 2), 18 positions. */
    public static ModelConfig roberta(java.util.List<String> labels, io.sparklora.core.model.ProblemType problem) {
        return ModelConfig.encoder(ModelFamily.ROBERTA, "roberta", VOCAB, 16, 2, 4, 24, 18, 1e-5,
                new io.sparklora.core.model.EncoderConfig(1, 1, labels, problem, 0.2));
    }

    public static ModelConfig roberta() {
        return roberta(java.util.List.of("a", "b", "c"), io.sparklora.core.model.ProblemType.SINGLE_LABEL);
    }

    /**
     * DeBERTa-v3's shape: no token types, no absolute positions, log position buckets (8: beyond ±4 the distance is
     * bucketed), the relative embeddings' LayerNorm, c2p and p2c, a GELU pooler; 64 positions.
     */
    public static ModelConfig debertaV3(java.util.List<String> labels, io.sparklora.core.model.ProblemType problem) {
        return ModelConfig.encoder(ModelFamily.DEBERTA_V2, "deberta-v2", VOCAB, 16, 2, 4, 24, 64, 1e-7,
                new io.sparklora.core.model.EncoderConfig(0, 0, labels, problem, 0.2,
                        new io.sparklora.core.model.DebertaSettings(false, 8, 64, true, true, true, true)));
    }

    /**
     * DeBERTa-v2's other options (its convolution aside): two token types, absolute positions, no buckets and
     * max_relative_positions 4 (distances clamped at ±4), p2c alone, no LayerNorm on the relative embeddings, a
     * tanh pooler; 16 positions.
     */
    public static ModelConfig debertaV2(java.util.List<String> labels, io.sparklora.core.model.ProblemType problem) {
        return ModelConfig.encoder(ModelFamily.DEBERTA_V2, "deberta-v2", VOCAB, 16, 2, 4, 24, 16, 1e-7,
                new io.sparklora.core.model.EncoderConfig(2, 0, labels, problem, 0.2,
                        new io.sparklora.core.model.DebertaSettings(true, -1, 4, false, true, false, false)));
    }

    public static BaseModel random(ModelConfig config, long seed) {
        ModelLayout layout = ModelLayout.of(config);
        Random rng = new Random(seed);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout.parameterShapes().entrySet()) {
            String name = e.getKey();
            int n = (int) Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            float[] v = new float[n];
            boolean norm = name.contains("ln_") || name.contains("norm") || name.contains("LayerNorm");
            for (int i = 0; i < n; i++) {
                double g = rng.nextGaussian();
                if (norm && name.endsWith(".weight")) {
                    v[i] = (float) (1 + 0.1 * g);
                } else if (name.endsWith(".bias")) {
                    v[i] = (float) (0.05 * g);
                } else {
                    v[i] = (float) (0.3 * g);
                }
            }
            weights.put(name, Arrays2.fromFloats(v, e.getValue()));
        }
        return BaseModel.of(config, weights);
    }

    public static Path write(BaseModel model, Path dir) throws IOException {
        BaseModelWriter.write(model, dir, DType.F32, Map.of());
        return dir;
    }
}
