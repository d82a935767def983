package io.sparklora.core.engine;



import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.Gpt2Layout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.LlamaLayout;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against an independent plain-Java forward pass written from Hugging Face transformers'
 * GPT2LMHeadModel and LlamaForCausalLM (plus PEFT's LoRA Linear), in float64 with every adapter active.
 * ND4J is only used to read weights and the engine's output; all arithmetic below is double loops, except the
 * rotary inverse frequencies, which transformers computes in float32 ({@link HfRope}).
 */
class ReferenceForwardTest {
    private static final int ROWS = 2;
    private static final int SEQ = 7;
    private static final int LORA_R = 2;
    private static final double LORA_ALPHA = 4;

    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama(), TinyModels.llamaWideHeadsWithBiases());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tests
    // ---------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("families")
    void graphLogitsMatchHuggingFaceReferenceWithLoraActive(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 21);
        LoraPlan plan = plan(base);
        float[] theta = randomTheta(plan, 5);
        int[] tokens = randomTokens(config, 8);

        CausalLm graph = CausalLm.build(base, plan, new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false));
        graph.setTrainable(theta);
        double[][] actual = rows(graph.logits(tokens)); // [ROWS·T, V]

        Reference withLora = new Reference(base, plan, theta);
        double[][] expected = withLora.logits(tokens); // [ROWS·T, V]

        double scale = Math.max(1.0, maxAbs(expected));
        assertThat(maxAbsDiff(actual, expected)).as("max |graph - reference| of %s logits (scale %.3f)",
                config.family(), scale).isLessThan(1e-9 * scale);

        // The adapters must matter, or the comparison above would not exercise the LoRA path.
        double[][] baseOnly = new Reference(base, null, null).logits(tokens);
        assertThat(maxAbsDiff(expected, baseOnly)).isGreaterThan(1e-2);
    }

    @ParameterizedTest
    @MethodSource("families")
    void zeroBAdapterIsBitIdenticalToThePlainModel(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 22);
        LoraPlan plan = plan(base);
        float[] theta = randomTheta(plan, 6);
        for (LoraModule m : plan.modules()) { // A stays random, B = 0: PEFT's starting point
            int off = plan.layout().offset(m.bName());
            java.util.Arrays.fill(theta, off, off + plan.layout().length(m.bName()), 0f);
        }
        int[] tokens = randomTokens(config, 9);

        CausalLm lora = CausalLm.build(base, plan, new EngineSpec(SEQ, DataType.FLOAT, TrainingMode.LORA, false, false));
        lora.setTrainable(theta);
        CausalLm full = CausalLm.build(base, null, new EngineSpec(SEQ, DataType.FLOAT, TrainingMode.FULL, false, false));

        INDArray a = lora.logits(tokens);
        INDArray b = full.logits(tokens);
        assertThat(a.shape()).containsExactly((long) ROWS * SEQ, config.vocabSize());
        assertThat(a.data().asFloat()).containsExactly(b.data().asFloat());
    }

    @ParameterizedTest
    @MethodSource("families")
    void laterTokensDoNotChangeEarlierLogits(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 23);
        LoraPlan plan = plan(base);
        CausalLm graph = CausalLm.build(base, plan, new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false));
        graph.setTrainable(randomTheta(plan, 7));
        int[] tokens = randomTokens(config, 10);
        double[][] before = rows(graph.logits(tokens));

        int changedRow = 1;
        int changedPos = 4;
        int[] edited = tokens.clone();
        int i = changedRow * SEQ + changedPos;
        edited[i] = (edited[i] + 1) % config.vocabSize();
        double[][] after = rows(graph.logits(edited));

        for (int row = 0; row < ROWS; row++) {
            for (int t = 0; t < SEQ; t++) {
                int n = row * SEQ + t;
                double diff = maxAbsDiff(new double[][] {before[n]}, new double[][] {after[n]});
                if (row == changedRow && t >= changedPos) {
                    assertThat(diff).as("row %d position %d sees the edit", row, t).isGreaterThan(1e-6);
                } else {
                    assertThat(diff).as("row %d position %d must not see the edit", row, t).isLessThan(1e-12);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fixtures
    // ---------------------------------------------------------------------------------------------------------

    static LoraPlan plan(BaseModel base) {
        return LoraPlan.of(new LoraConfig(LORA_R, LORA_ALPHA, 0.0, new TargetModules.AllLinear(), false, 3),
                base.layout());
    }

    /** Random non-zero A and B for every adapter. */
    static float[] randomTheta(LoraPlan plan, long seed) {
        Random rng = new Random(seed);
        float[] theta = new float[plan.layout().size()];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) (0.2 * rng.nextGaussian());
        }
        return theta;
    }

    private static int[] randomTokens(ModelConfig config, long seed) {
        Random rng = new Random(seed);
        int[] tokens = new int[ROWS * SEQ]; // row-major [ROWS, T]
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(config.vocabSize());
        }
        return tokens;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The reference forward pass
    // ---------------------------------------------------------------------------------------------------------

    /** Hugging Face's forward pass for one model, optionally with PEFT LoRA adapters on its linear modules. */
    static final class Reference {
        private final BaseModel base;
        private final ModelConfig c;
        private final Map<String, double[][]> loraA = new HashMap<>(); // module path → A [r, in]
        private final Map<String, double[][]> loraB = new HashMap<>(); // module path → B [out, r]
        private final double loraScale;

        /** plan and theta null: the plain base model. */
        Reference(BaseModel base, LoraPlan plan, float[] theta) {
            this.base = base;
            this.c = base.config();
            this.loraScale = plan == null ? 0 : plan.config().scale();
            if (plan != null) {
                for (LoraModule m : plan.modules()) {
                    loraA.put(m.base().path(), matrix(plan.layout().array(theta, m.aName())));
                    loraB.put(m.base().path(), matrix(plan.layout().array(theta, m.bName())));
                }
            }
        }

        /** tokens [ROWS·T] → logits [ROWS·T, V]; every row is an independent sequence. */
        double[][] logits(int[] tokens) {
            return logits(tokens, SEQ);
        }

        /** tokens [rows·len] → logits [rows·len, V]; every row of len tokens is an independent sequence. */
        double[][] logits(int[] tokens, int len) {
            double[][] out = new double[tokens.length][];
            for (int row = 0; row < tokens.length / len; row++) {
                int[] seq = java.util.Arrays.copyOfRange(tokens, row * len, (row + 1) * len);
                double[][] rowLogits = switch (c.family()) {
                    case GPT2 -> gpt2(seq);
                    case LLAMA -> llama(seq);
                    case BERT, ROBERTA, DEBERTA_V2 -> throw new IllegalArgumentException("an encoder: see HfEncoderReference");
                };
                System.arraycopy(rowLogits, 0, out, row * len, len);
            }
            return out;
        }

        /** GPT2LMHeadModel: tokens [T] → logits [T, V]. */
        private double[][] gpt2(int[] tokens) {
            int t = tokens.length;
            int h = c.hiddenSize();
            double[][] wte = weight("transformer.wte.weight"); // [V, H]
            double[][] wpe = weight("transformer.wpe.weight"); // [P, H]
            double[][] x = new double[t][h]; // [T, H]
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < h; j++) {
                    x[i][j] = wte[tokens[i]][j] + wpe[i][j];
                }
            }
            for (int layer = 0; layer < c.numLayers(); layer++) {
                String p = Gpt2Layout.layer(layer);
                double[][] a = layerNorm(x, vec(p + "ln_1.weight"), vec(p + "ln_1.bias"), c.normEps());
                double[][] qkv = linear(a, module(p + "attn.c_attn", h, 3 * h, true, true)); // [T, 3H]: q | k | v
                double[][] q = columns(qkv, 0, h);
                double[][] k = columns(qkv, h, 2 * h);
                double[][] v = columns(qkv, 2 * h, 3 * h);
                double[][] att = attention(q, k, v, c.numHeads(), c.numHeads(), c.headDim()); // [T, H]
                x = add(x, linear(att, module(p + "attn.c_proj", h, h, true, true)));

                double[][] m = layerNorm(x, vec(p + "ln_2.weight"), vec(p + "ln_2.bias"), c.normEps());
                double[][] inner = geluNew(linear(m, module(p + "mlp.c_fc", h, c.intermediateSize(), true, true)));
                x = add(x, linear(inner, module(p + "mlp.c_proj", c.intermediateSize(), h, true, true)));
            }
            x = layerNorm(x, vec("transformer.ln_f.weight"), vec("transformer.ln_f.bias"), c.normEps());
            return matmulTransposed(x, wte); // tied head: [T, H] · [V, H]^T → [T, V]
        }

        /** LlamaForCausalLM: tokens [T] → logits [T, V]. */
        private double[][] llama(int[] tokens) {
            int t = tokens.length;
            int h = c.hiddenSize();
            int inter = c.intermediateSize();
            double[][] embed = weight("model.embed_tokens.weight"); // [V, H]
            double[][] x = new double[t][]; // [T, H]
            for (int i = 0; i < t; i++) {
                x[i] = embed[tokens[i]].clone();
            }
            for (int layer = 0; layer < c.numLayers(); layer++) {
                String p = LlamaLayout.layer(layer);
                String sa = p + "self_attn.";
                String mlp = p + "mlp.";
                double[][] a = rmsNorm(x, vec(p + "input_layernorm.weight"), c.normEps());
                double[][] q = linear(a, module(sa + "q_proj", h, c.qDim(), c.qkvBias(), false)); // [T, H·D]
                double[][] k = linear(a, module(sa + "k_proj", h, c.kvDim(), c.qkvBias(), false)); // [T, Hkv·D]
                double[][] v = linear(a, module(sa + "v_proj", h, c.kvDim(), c.qkvBias(), false)); // [T, Hkv·D]
                q = rotary(q, c.numHeads(), c.headDim(), HfRope.invFreq(c));
                k = rotary(k, c.numKvHeads(), c.headDim(), HfRope.invFreq(c));
                double[][] att = attention(q, k, v, c.numHeads(), c.numKvHeads(), c.headDim()); // [T, H·D]
                x = add(x, linear(att, module(sa + "o_proj", c.qDim(), h, c.outputProjBias(), false)));

                double[][] n = rmsNorm(x, vec(p + "post_attention_layernorm.weight"), c.normEps());
                double[][] gate = silu(linear(n, module(mlp + "gate_proj", h, inter, c.mlpBias(), false))); // [T, I]
                double[][] up = linear(n, module(mlp + "up_proj", h, inter, c.mlpBias(), false)); // [T, I]
                x = add(x, linear(mul(gate, up), module(mlp + "down_proj", inter, h, c.mlpBias(), false)));
            }
            x = rmsNorm(x, vec("model.norm.weight"), c.normEps());
            return matmulTransposed(x, weight("lm_head.weight")); // untied head [V, H] → [T, V]
        }

        private static LinearModule module(String path, int in, int out, boolean bias, boolean conv1d) {
            return new LinearModule(path, in, out, bias, conv1d);
        }

        /**
         * x [T, in] → [T, out]: x·W + b for Conv1D (W stored [in, out]), x·W^T + b for nn.Linear (W [out, in]),
         * plus PEFT's s · (x·A^T)·B^T with A [r, in], B [out, r] when the module has an adapter.
         */
        private double[][] linear(double[][] x, LinearModule m) {
            double[][] w = weight(m.weightName());
            double[] b = m.hasBias() ? vec(m.biasName()) : null;
            int in = m.inFeatures();
            int out = m.outFeatures();
            double[][] y = new double[x.length][out];
            for (int t = 0; t < x.length; t++) {
                for (int o = 0; o < out; o++) {
                    double s = b == null ? 0 : b[o];
                    for (int i = 0; i < in; i++) {
                        s += x[t][i] * (m.conv1d() ? w[i][o] : w[o][i]);
                    }
                    y[t][o] = s;
                }
            }
            double[][] a = loraA.get(m.path());
            if (a != null) {
                double[][] down = matmulTransposed(x, a); // [T, r]
                double[][] up = matmulTransposed(down, loraB.get(m.path())); // [T, out]
                for (int t = 0; t < x.length; t++) {
                    for (int o = 0; o < out; o++) {
                        y[t][o] += loraScale * up[t][o];
                    }
                }
            }
            return y;
        }

        private double[][] weight(String name) {
            return matrix(base.weight(name));
        }

        private double[] vec(String name) {
            return vector(base.weight(name));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Building blocks, each as transformers writes it
    // ---------------------------------------------------------------------------------------------------------

    /** nn.LayerNorm over the last axis: (x - mean) / sqrt(var + eps) · w + b, biased variance. x [T, H]. */
    private static double[][] layerNorm(double[][] x, double[] w, double[] b, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int h = x[t].length;
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= h;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= h;
            double inv = 1.0 / Math.sqrt(var + eps);
            y[t] = new double[h];
            for (int j = 0; j < h; j++) {
                y[t][j] = (x[t][j] - mean) * inv * w[j] + b[j];
            }
        }
        return y;
    }

    /** LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · w. x [T, H]. */
    private static double[][] rmsNorm(double[][] x, double[] w, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int h = x[t].length;
            double meanSquare = 0;
            for (double v : x[t]) {
                meanSquare += v * v;
            }
            meanSquare /= h;
            double inv = 1.0 / Math.sqrt(meanSquare + eps);
            y[t] = new double[h];
            for (int j = 0; j < h; j++) {
                y[t][j] = x[t][j] * inv * w[j];
            }
        }
        return y;
    }

    /**
     * LlamaRotaryEmbedding + apply_rotary_pos_emb on x [T, heads·D]: x·cos + rotate_half(x)·sin per head, with
     * rotate_half(x) = cat(-x[D/2:], x[:D/2]) and cos/sin of cat(freqs, freqs), freqs = pos · inv_freq (the
     * float32 product of transformers' float32 matmul).
     */
    private static double[][] rotary(double[][] x, int heads, int d, float[] invFreq) {
        int half = d / 2;
        double[][] y = new double[x.length][heads * d];
        for (int pos = 0; pos < x.length; pos++) {
            for (int h = 0; h < heads; h++) {
                int o = h * d;
                for (int j = 0; j < d; j++) {
                    float angle = (float) pos * invFreq[j % half]; // emb = cat(freqs, freqs)
                    double rotated = j < half ? -x[pos][o + j + half] : x[pos][o + j - half];
                    y[pos][o + j] = x[pos][o + j] * Math.cos(angle) + rotated * Math.sin(angle);
                }
            }
        }
        return y;
    }

    /**
     * Causal scaled dot-product attention. q [T, H·D], k and v [T, Hkv·D] → [T, H·D]; query head h reads key/value
     * head h / (H / Hkv), as repeat_kv's repeat_interleave lays them out.
     */
    private static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int d) {
        int t = q.length;
        int group = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(d);
        double[][] out = new double[t][heads * d];
        for (int h = 0; h < heads; h++) {
            int qo = h * d;
            int kvo = (h / group) * d;
            for (int i = 0; i < t; i++) {
                double[] scores = new double[i + 1]; // keys 0..i only: the causal mask
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += q[i][qo + e] * k[j][kvo + e];
                    }
                    scores[j] = s * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    double p = scores[j] / sum;
                    for (int e = 0; e < d; e++) {
                        out[i][qo + e] += p * v[j][kvo + e];
                    }
                }
            }
        }
        return out;
    }

    /** gelu_new: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))). */
    private static double[][] geluNew(double[][] x) {
        double c = Math.sqrt(2.0 / Math.PI);
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                double v = x[t][j];
                y[t][j] = 0.5 * v * (1.0 + Math.tanh(c * (v + 0.044715 * v * v * v)));
            }
        }
        return y;
    }

    /** SiLU: x · sigmoid(x). */
    private static double[][] silu(double[][] x) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                y[t][j] = x[t][j] / (1.0 + Math.exp(-x[t][j]));
            }
        }
        return y;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Plain matrix helpers
    // ---------------------------------------------------------------------------------------------------------

    /** a [n, k] · b[m, k]^T → [n, m]. */
    private static double[][] matmulTransposed(double[][] a, double[][] b) {
        double[][] y = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                double s = 0;
                for (int e = 0; e < a[i].length; e++) {
                    s += a[i][e] * b[j][e];
                }
                y[i][j] = s;
            }
        }
        return y;
    }

    /** Columns [from, to) of x. */
    private static double[][] columns(double[][] x, int from, int to) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = java.util.Arrays.copyOfRange(x[t], from, to);
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                y[i][j] = a[i][j] + b[i][j];
            }
        }
        return y;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                y[i][j] = a[i][j] * b[i][j];
            }
        }
        return y;
    }

    static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    static double maxAbsDiff(double[][] a, double[][] b) {
        assertThat(a.length).isEqualTo(b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i].length).isEqualTo(b[i].length);
            for (int j = 0; j < a[i].length; j++) {
                double d = Math.abs(a[i][j] - b[i][j]);
                m = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(m, d);
            }
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reading ND4J arrays (the only ND4J use in the reference)
    // ---------------------------------------------------------------------------------------------------------

    /** A rank-2 array [r, c] as r rows, widened to double. */
    static double[][] matrix(INDArray a) {
        assertThat(a.rank()).isEqualTo(2);
        int rows = (int) a.size(0);
        int cols = (int) a.size(1);
        double[] flat = a.dataType() == DataType.DOUBLE ? a.dup('c').data().asDouble() : widen(a.dup('c').data().asFloat());
        double[][] m = new double[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = java.util.Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
        }
        return m;
    }

    private static double[] vector(INDArray a) {
        assertThat(a.rank()).isEqualTo(1);
        return widen(a.dup('c').data().asFloat());
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The graph's output [N, V] as N rows. */
    static double[][] rows(INDArray logits) {
        return matrix(logits);
    }
}
