package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.DebertaSettings;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A plain float64 forward pass written from transformers' DebertaV2ForSequenceClassification (eval mode:
 * DebertaV2Embeddings, DebertaV2Encoder with get_rel_embedding / build_relative_position / make_log_bucket_position,
 * DisentangledSelfAttention with share_att_key, XSoftmax, ContextPooler) with PEFT's LoRA Linear: double loops,
 * one row at a time, the gathers written as transformers writes them (c2p_pos, p2c_pos, the transposed p2c gather),
 * independent of the engine. Linear maps and LayerNorm come from {@link HfEncoderReference}.
 */
final class HfDebertaReference {
    private final ModelConfig c;
    private final DebertaSettings d;
    private final DebertaLayout layout;
    private final HfEncoderReference ops;

    /** @param trainable the adapter pairs and the head, by name (a head here overrides the base's) */
    HfDebertaReference(BaseModel base, LoraPlan plan, Map<String, INDArray> trainable) {
        this.c = base.config();
        this.d = c.encoderConfig().deberta();
        this.layout = new DebertaLayout(c);
        this.ops = new HfEncoderReference(base, plan, trainable);
    }

    /**
     * make_log_bucket_position for one relative position, with torch's dtypes: abs_pos / mid is a float32 tensor, so
     * are the logs, the quotient and the ceiling.
     */
    private static long logBucket(long rel, int bucketSize, int maxPosition) {
        long sign = Long.signum(rel);
        int mid = bucketSize / 2;
        long absPos = rel < mid && rel > -mid ? mid - 1 : Math.abs(rel);
        float logMax = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float logPos = (float) Math.ceil((float) Math.log((float) absPos / mid) / logMax * (mid - 1)) + mid;
        return absPos <= mid ? rel : (long) (logPos * sign);
    }

    /** build_relative_position(T, T): q_ids[:, None] − k_ids[None, :], bucketed when position_buckets > 0. */
    private long[][] relativePosition(int t) {
        long[][] rel = new long[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                rel[i][j] = d.positionBuckets() > 0 ? logBucket(i - j, d.positionBuckets(), d.maxRelativePositions()) : i - j;
            }
        }
        return rel;
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + HfEncoderReference.erf(x / Math.sqrt(2)));
    }

    /** Logits [rows][num_labels] of one batch, rows padded on the right as the attention mask says. */
    double[][] logits(SequenceBatch batch) {
        int t = batch.seqLen();
        int h = c.hiddenSize();
        // DebertaV2Encoder.get_rel_embedding: the table, through encoder.LayerNorm with norm_rel_ebd layer_norm
        double[] table = ops.weight(layout.relEmbeddings());
        double[][] rel = new double[d.relEmbeddingRows()][h];
        for (int r = 0; r < rel.length; r++) {
            System.arraycopy(table, r * h, rel[r], 0, h);
        }
        if (d.normRelEmbeddings()) {
            rel = ops.layerNorm(rel, layout.relEmbeddingNorm().orElseThrow());
        }
        long[][] relativePos = relativePosition(t);
        double[][] out = new double[batch.rows()][];
        for (int r = 0; r < batch.rows(); r++) {
            int[] mask = new int[t];
            double[][] x = new double[t][h];
            for (int i = 0; i < t; i++) {
                int id = batch.tokens()[r * t + i];
                int type = batch.tokenTypes()[r * t + i];
                mask[i] = batch.attentionMask()[r * t + i];
                for (int k = 0; k < h; k++) {
                    double e = ops.weight(layout.wordEmbeddings())[id * h + k];
                    if (d.positionBiasedInput()) { // position_ids = arange(T)
                        e += ops.weight(layout.positionEmbeddings().orElseThrow())[i * h + k];
                    }
                    if (c.encoderConfig().typeVocabSize() > 0) {
                        e += ops.weight(layout.tokenTypeEmbeddings().orElseThrow())[type * h + k];
                    }
                    x[i][k] = e;
                }
            }
            x = ops.layerNorm(x, layout.embeddingNorm());
            for (int i = 0; i < t; i++) { // embeddings * mask
                for (int k = 0; k < h; k++) {
                    x[i][k] *= mask[i];
                }
            }
            for (int l = 0; l < c.numLayers(); l++) {
                x = layer(x, l, mask, rel, relativePos);
            }
            double[][] first = {x[0]}; // ContextPooler: hidden_states[:, 0] → dense → pooler_hidden_act
            double[][] pooled = ops.linear(first, "pooler.dense", h, h);
            if (d.poolerGelu()) {
                for (int k = 0; k < h; k++) {
                    pooled[0][k] = gelu(pooled[0][k]);
                }
            } else {
                pooled = HfEncoderReference.tanh(pooled);
            }
            out[r] = ops.linear(pooled, "classifier", h, c.encoderConfig().numLabels())[0];
        }
        return out;
    }

    private double[][] layer(double[][] x, int l, int[] mask, double[][] rel, long[][] relativePos) {
        String p = layout.layer(l);
        int t = x.length;
        int h = c.hiddenSize();
        int heads = c.numHeads();
        int dh = c.headDim();
        double[][] q = ops.linear(x, p + "attention.self.query_proj", h, h);
        double[][] k = ops.linear(x, p + "attention.self.key_proj", h, h);
        double[][] v = ops.linear(x, p + "attention.self.value_proj", h, h);
        // share_att_key: the relative embeddings through the layer's own key_proj and query_proj
        double[][] posKey = ops.linear(rel, p + "attention.self.key_proj", h, h);
        double[][] posQuery = ops.linear(rel, p + "attention.self.query_proj", h, h);
        int scaleFactor = 1 + (d.c2p() ? 1 : 0) + (d.p2c() ? 1 : 0);
        double scale = (float) Math.sqrt((float) dh * scaleFactor); // torch.sqrt of a float32 tensor
        int attSpan = d.positionBuckets() > 0 ? d.positionBuckets() : d.maxRelativePositions();
        double[][] ctx = new double[t][h];
        for (int hd = 0; hd < heads; hd++) {
            int o = hd * dh;
            double[][] scores = new double[t][t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    scores[i][j] = dot(q[i], k[j], o, dh) / scale;
                }
            }
            if (d.c2p()) { // c2p_att = q·pos_keyᵀ gathered at c2p_pos = clamp(relative_pos + att_span, 0, 2·att_span − 1)
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        int pos = (int) Math.max(0, Math.min(2L * attSpan - 1, relativePos[i][j] + attSpan));
                        scores[i][j] += dot(q[i], posKey[pos], o, dh) / scale;
                    }
                }
            }
            if (d.p2c()) { // p2c_att = k·pos_queryᵀ gathered at p2c_pos = clamp(−r_pos + att_span, …), then transposed
                double[][] gathered = new double[t][t]; // [key j][query i]
                for (int j = 0; j < t; j++) {
                    for (int i = 0; i < t; i++) {
                        int pos = (int) Math.max(0, Math.min(2L * attSpan - 1, -relativePos[j][i] + attSpan));
                        gathered[j][i] = dot(k[j], posQuery[pos], o, dh);
                    }
                }
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        scores[i][j] += gathered[j][i] / scale;
                    }
                }
            }
            for (int i = 0; i < t; i++) { // XSoftmax with the mask mask_i·mask_j: filled with finfo.min, zeroed after
                double max = Double.NEGATIVE_INFINITY;
                double[] s = new double[t];
                for (int j = 0; j < t; j++) {
                    s[j] = mask[i] * mask[j] == 0 ? -Double.MAX_VALUE : scores[i][j];
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < t; j++) {
                    double prob = mask[i] * mask[j] == 0 ? 0 : s[j] / sum;
                    for (int e = 0; e < dh; e++) {
                        ctx[i][o + e] += prob * v[j][o + e];
                    }
                }
            }
        }
        double[][] attn = ops.linear(ctx, p + "attention.output.dense", h, h);
        for (int i = 0; i < t; i++) {
            for (int e = 0; e < h; e++) {
                attn[i][e] += x[i][e];
            }
        }
        double[][] hs = ops.layerNorm(attn, p + "attention.output.LayerNorm");
        double[][] inter = ops.linear(hs, p + "intermediate.dense", h, c.intermediateSize());
        for (double[] row : inter) {
            for (int e = 0; e < row.length; e++) {
                row[e] = gelu(row[e]);
            }
        }
        double[][] out = ops.linear(inter, p + "output.dense", c.intermediateSize(), h);
        for (int i = 0; i < t; i++) {
            for (int e = 0; e < h; e++) {
                out[i][e] += hs[i][e];
            }
        }
        return ops.layerNorm(out, p + "output.LayerNorm");
    }

    private static double dot(double[] a, double[] b, int offset, int n) {
        double s = 0;
        for (int e = 0; e < n; e++) {
            s += a[offset + e] * b[offset + e];
        }
        return s;
    }
}
