package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.EncoderLayout;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;

import java.util.Map;

/**
 * A plain float64 forward pass written from Hugging Face transformers' BertForSequenceClassification and
 * RobertaForSequenceClassification (eval mode) with PEFT's LoRA Linear, and BertForMaskedLM's loss: double loops
 * only, independent of the engine. Weights come from the base model and, for the head and adapters, from named double arrays.
 */
final class HfEncoderReference {
    private final ModelConfig c;
    private final Map<String, double[]> w = new HashMap<>();
    private final LoraPlan plan;
    private final double scale;

    /** @param trainable the adapter pairs and the head, by name (a head here overrides the base's) */
    HfEncoderReference(BaseModel base, LoraPlan plan, Map<String, INDArray> trainable) {
        this.c = base.config();
        this.plan = plan;
        this.scale = plan == null ? 0 : plan.config().scale();
        base.weights().forEach((k, v) -> w.put(k, doubles(v)));
        trainable.forEach((k, v) -> w.put(k, doubles(v)));
    }

    /** A weight by its Hugging Face name, flattened row-major (the trainable values override the base's). */
    double[] weight(String name) {
        return w.get(name);
    }

    private static double[] doubles(INDArray a) {
        return a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
    }

    /** y = x·Wᵀ + b (+ s·B·A·x when adapted) for nn.Linear [out, in]; x: [n][in]. */
    double[][] linear(double[][] x, String module, int in, int out) {
        double[] wt = w.get(module + ".weight");
        double[] b = w.get(module + ".bias");
        LoraModule lora = plan == null ? null : plan.modules().stream().filter(m -> m.base().path().equals(module))
                .findFirst().orElse(null);
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int k = 0; k < in; k++) {
                    s += x[i][k] * wt[o * in + k];
                }
                y[i][o] = s;
            }
            if (lora != null) {
                int r = lora.r();
                double[] a = w.get(lora.aName());
                double[] bb = w.get(lora.bName());
                double[] down = new double[r];
                for (int j = 0; j < r; j++) {
                    for (int k = 0; k < in; k++) {
                        down[j] += a[j * in + k] * x[i][k];
                    }
                }
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int j = 0; j < r; j++) {
                        s += bb[o * r + j] * down[j];
                    }
                    y[i][o] += scale * s;
                }
            }
        }
        return y;
    }

    double[][] layerNorm(double[][] x, String prefix) {
        double[] g = w.get(prefix + ".weight");
        double[] b = w.get(prefix + ".bias");
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int h = x[i].length;
            double mean = 0;
            for (double v : x[i]) {
                mean += v;
            }
            mean /= h;
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= h;
            y[i] = new double[h];
            for (int k = 0; k < h; k++) {
                y[i][k] = (x[i][k] - mean) / Math.sqrt(var + c.normEps()) * g[k] + b[k];
            }
        }
        return y;
    }

    /** Logits [rows][num_labels] of one batch, rows padded on the right as the attention mask says. */
    double[][] logits(SequenceBatch batch) {
        int h = c.hiddenSize();
        double[][] out = new double[batch.rows()][];
        for (int r = 0; r < batch.rows(); r++) {
            double[][] first = {hidden(batch, r)[0]};
            double[][] logits;
            int labels = c.encoderConfig().numLabels();
            if (c.family() == ModelFamily.BERT) {
                double[][] pooled = tanh(linear(first, "bert.pooler.dense", h, h));
                logits = linear(pooled, "classifier", h, labels);
            } else {
                double[][] dense = tanh(linear(first, "classifier.dense", h, h));
                logits = linear(dense, "classifier.out_proj", h, labels);
            }
            out[r] = logits[0];
        }
        return out;
    }

    /**
     * BertForMaskedLM's loss, summed: at every position with a target, cls.predictions (transform.dense, gelu,
     * transform.LayerNorm, then the word embeddings as decoder.weight plus cls.predictions.bias) and the
     * cross-entropy of the target.
     */
    double maskedLmLossSum(SequenceBatch batch, int[] targets) {
        EncoderLayout layout = new EncoderLayout(c);
        int t = batch.seqLen();
        int h = c.hiddenSize();
        int vocab = c.vocabSize();
        double loss = 0;
        for (int r = 0; r < batch.rows(); r++) {
            double[][] x = hidden(batch, r);
            for (int i = 0; i < t; i++) {
                int target = targets[r * t + i];
                if (target == TokenBatch.IGNORE) {
                    continue;
                }
                double[][] u = linear(new double[][] {x[i]}, "cls.predictions.transform.dense", h, h);
                for (int k = 0; k < h; k++) {
                    u[0][k] = u[0][k] * 0.5 * (1 + erf(u[0][k] / Math.sqrt(2)));
                }
                double[] y = layerNorm(u, "cls.predictions.transform.LayerNorm")[0];
                double[] e = w.get(layout.wordEmbeddings());
                double[] logits = new double[vocab];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    double s = w.get("cls.predictions.bias")[v];
                    for (int k = 0; k < h; k++) {
                        s += y[k] * e[v * h + k];
                    }
                    logits[v] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (double l : logits) {
                    sum += Math.exp(l - max);
                }
                loss += max + Math.log(sum) - logits[target];
            }
        }
        return loss;
    }

    /** The last layer's hidden states [T][H] of row r. */
    private double[][] hidden(SequenceBatch batch, int r) {
        EncoderLayout layout = new EncoderLayout(c);
        int t = batch.seqLen();
        int h = c.hiddenSize();
        // embeddings: word + token type + position, then LayerNorm
        double[][] x = new double[t][h];
        int pad = c.encoderConfig().padTokenId();
        int running = 0;
        for (int i = 0; i < t; i++) {
            int id = batch.tokens()[r * t + i];
            int pos;
            if (c.family() == ModelFamily.BERT) {
                pos = i;
            } else { // create_position_ids_from_input_ids: cumsum(mask)·mask + padding_idx
                int m = id != pad ? 1 : 0;
                running += m;
                pos = running * m + pad;
            }
            int type = batch.tokenTypes()[r * t + i];
            for (int k = 0; k < h; k++) {
                x[i][k] = w.get(layout.wordEmbeddings())[id * h + k] + w.get(layout.tokenTypeEmbeddings())[type * h + k]
                        + w.get(layout.positionEmbeddings())[pos * h + k];
            }
        }
        x = layerNorm(x, layout.embeddingNorm());
        double[] maskAdd = new double[t]; // (1 − mask)·finfo.min
        for (int j = 0; j < t; j++) {
            maskAdd[j] = batch.attentionMask()[r * t + j] == 1 ? 0 : -Double.MAX_VALUE;
        }
        for (int l = 0; l < c.numLayers(); l++) {
            x = layer(x, l, maskAdd);
        }
        return x;
    }

    static double[][] tanh(double[][] x) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            y[i] = new double[x[i].length];
            for (int k = 0; k < x[i].length; k++) {
                y[i][k] = Math.tanh(x[i][k]);
            }
        }
        return y;
    }

    private double[][] layer(double[][] x, int l, double[] maskAdd) {
        String p = new EncoderLayout(c).layer(l);
        int t = x.length;
        int h = c.hiddenSize();
        int heads = c.numHeads();
        int d = c.headDim();
        double[][] q = linear(x, p + "attention.self.query", h, h);
        double[][] k = linear(x, p + "attention.self.key", h, h);
        double[][] v = linear(x, p + "attention.self.value", h, h);
        double[][] ctx = new double[t][h];
        for (int hd = 0; hd < heads; hd++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][hd * d + e] * k[j][hd * d + e];
                    }
                    s[j] = Math.max(dot / Math.sqrt(d) + maskAdd[j], -Double.MAX_VALUE);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < t; j++) {
                    for (int e = 0; e < d; e++) {
                        ctx[i][hd * d + e] += s[j] / sum * v[j][hd * d + e];
                    }
                }
            }
        }
        double[][] attn = linear(ctx, p + "attention.output.dense", h, h);
        for (int i = 0; i < t; i++) {
            for (int e = 0; e < h; e++) {
                attn[i][e] += x[i][e];
            }
        }
        double[][] hs = layerNorm(attn, p + "attention.output.LayerNorm");
        double[][] inter = linear(hs, p + "intermediate.dense", h, c.intermediateSize());
        for (double[] row : inter) {
            for (int e = 0; e < row.length; e++) {
                row[e] = 0.5 * row[e] * (1 + erf(row[e] / Math.sqrt(2))); // GELUActivation: the exact form
            }
        }
        double[][] o = linear(inter, p + "output.dense", c.intermediateSize(), h);
        for (int i = 0; i < t; i++) {
            for (int e = 0; e < h; e++) {
                o[i][e] += hs[i][e];
            }
        }
        return layerNorm(o, p + "output.LayerNorm");
    }

    /**
     * erf to double precision: its Maclaurin series below |x| = 3 (terms stay below 2e3, so ~1e-13 absolute),
     * 1 − erfc from the continued fraction erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))) above.
     */
    static double erf(double x) {
        double ax = Math.abs(x);
        double result;
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -ax * ax / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = ax;
            for (int n = 120; n >= 1; n--) {
                f = ax + (n / 2.0) / f;
            }
            result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }

}
