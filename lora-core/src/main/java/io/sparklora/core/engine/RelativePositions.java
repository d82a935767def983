package io.sparklora.core.engine;

import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.DebertaSettings;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DeBERTa's relative-position embeddings as the layers read them, forward and backward side by side.
 * <p>
 * Once per batch: R = LayerNorm(rel_embeddings) [2S, H] (norm_rel_ebd layer_norm), then the rows each attention
 * term reads for query i and key j: content-to-position row clamp(bucket(i − j) + S), indexed by the key's offset
 * from the query u = j − i + T − 1 ∈ [0, 2T−2]; position-to-content row clamp(−bucket(j − i) + S), indexed by the
 * query's offset from the key v = i − j + T − 1 (transformers' c2p_pos and p2c_pos). These gathered rows [2T−1, H]
 * are what the layers project with their key_proj / query_proj
 * (share_att_key), so no layer gathers per query. Backward (full fine-tuning only) adds the layers' gradients of the
 * gathered rows back into R's rows, then through the LayerNorm into rel_embeddings.
 */
final class RelativePositions {
    private static final String SLOT = "rel";
    private final DebertaSettings settings;
    private final Params params;
    private final String table;
    private final LayerNorm norm; // null without norm_rel_ebd layer_norm
    private final int hidden;
    private int seqLen;

    RelativePositions(DebertaLayout layout, Params params) {
        this.settings = layout.config().encoderConfig().deberta();
        this.params = params;
        this.table = layout.relEmbeddings();
        this.norm = layout.relEmbeddingNorm().map(n -> new LayerNorm(n, "LayerNorm", params, layout.config().normEps()))
                .orElse(null);
        this.hidden = layout.config().hiddenSize();
    }

    DebertaSettings settings() {
        return settings;
    }

    /** Whether the embeddings (or their norm) train: full fine-tuning. */
    boolean trains() {
        return params.gradient(table) != null;
    }

    /** Offsets u = j − i + T − 1 a row of T queries spans: 2T − 1. */
    static int offsets(int t) {
        return 2 * t - 1;
    }

    /**
     * For each offset, the relative-embedding row a term reads: c2p's rows by the key's offset from the query,
     * u = j − i + T − 1; p2c's by the query's offset from the key, v = i − j + T − 1 (its products run over keys).
     */
    private int[] rows(int t, boolean c2p) {
        int[] rows = new int[offsets(t)];
        for (int u = 0; u < rows.length; u++) {
            rows[u] = c2p ? settings.c2pRow(t - 1 - u) : settings.p2cRow(u - (t - 1)); // the argument is i − j
        }
        return rows;
    }

    /** Normalises the table and gathers each term's rows for sequences of length t; zeroes the gradients when training. */
    void forward(int t, Buffers buf, boolean training) {
        this.seqLen = t;
        INDArray r = params.value(table);
        if (norm != null) {
            INDArray normed = buf.get("rel.normed", r.size(0), hidden);
            norm.forward(r, normed, buf, SLOT);
            r = normed;
        }
        int w = offsets(t);
        if (settings.c2p()) {
            Nd4j.pullRows(r, buf.get("rel.c2p", w, hidden), 1, rows(t, true));
        }
        if (settings.p2c()) {
            Nd4j.pullRows(r, buf.get("rel.p2c", w, hidden), 1, rows(t, false));
        }
        if (training && trains()) {
            buf.get("rel.grad.c2p", w, hidden).assign(0);
            buf.get("rel.grad.p2c", w, hidden).assign(0);
        }
    }

    /** The rows content-to-position reads, by offset [2T−1, H]. */
    INDArray c2pRows(Buffers buf) {
        return buf.get("rel.c2p", offsets(seqLen), hidden);
    }

    /** The rows position-to-content reads, by offset [2T−1, H]. */
    INDArray p2cRows(Buffers buf) {
        return buf.get("rel.p2c", offsets(seqLen), hidden);
    }

    /** Where the layers add the gradient of {@link #c2pRows}; null when the embeddings do not train. */
    INDArray c2pGradient(Buffers buf) {
        return trains() ? buf.get("rel.grad.c2p", offsets(seqLen), hidden) : null;
    }

    /** Where the layers add the gradient of {@link #p2cRows}; null when the embeddings do not train. */
    INDArray p2cGradient(Buffers buf) {
        return trains() ? buf.get("rel.grad.p2c", offsets(seqLen), hidden) : null;
    }

    /** After every layer's backward: the gathered rows' gradients into rel_embeddings (and its norm). */
    void backward(Buffers buf) {
        INDArray grad = params.gradient(table);
        INDArray dNormed = buf.get("scratch.rel.dnormed", grad.size(0), hidden);
        dNormed.assign(0);
        if (settings.c2p()) {
            EncoderEmbeddings.scatterInto(dNormed, rows(seqLen, true), c2pGradient(buf));
        }
        if (settings.p2c()) {
            EncoderEmbeddings.scatterInto(dNormed, rows(seqLen, false), p2cGradient(buf));
        }
        if (norm != null) {
            norm.backwardAdd(dNormed, grad, buf, SLOT);
        } else {
            grad.addi(dNormed);
        }
    }
}
