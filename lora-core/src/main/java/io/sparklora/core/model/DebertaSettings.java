package io.sparklora.core.model;

/**
 * What DeBERTa-v2/v3 (model_type deberta-v2) adds to an encoder: disentangled relative-position attention with
 * a shared key (share_att_key), its log position buckets, and the ContextPooler's activation.
 *
 * @param positionBiasedInput  whether absolute position embeddings are added to the input (true in v2, false in v3)
 * @param positionBuckets      position_buckets; ≤ 0 for no bucketing (then relative positions are clamped only)
 * @param maxRelativePositions max_relative_positions, resolved: max_position_embeddings when the config says < 1
 * @param c2p                  content-to-position attention ("c2p" in pos_att_type)
 * @param p2c                  position-to-content attention ("p2c" in pos_att_type)
 * @param normRelEmbeddings    norm_rel_ebd "layer_norm": the relative embeddings pass through encoder.LayerNorm
 * @param poolerGelu           pooler_hidden_act: gelu (true) or tanh (false)
 */
public record DebertaSettings(boolean positionBiasedInput, int positionBuckets, int maxRelativePositions, boolean c2p,
                              boolean p2c, boolean normRelEmbeddings, boolean poolerGelu) {
    public DebertaSettings {
        if (maxRelativePositions < 1) {
            throw new IllegalArgumentException("max_relative_positions must be resolved to >= 1, got " + maxRelativePositions);
        }
        if (positionBuckets > 0 && positionBuckets / 2 < 2) {
            throw new IllegalArgumentException("position_buckets must be >= 4 (or <= 0 for none), got " + positionBuckets);
        }
    }

    /** Hugging Face's att_span (pos_ebd_size): relative embeddings hold 2·span rows, for distances −span … span−1. */
    public int span() {
        return positionBuckets > 0 ? positionBuckets : maxRelativePositions;
    }

    /** Rows of encoder.rel_embeddings.weight. */
    public int relEmbeddingRows() {
        return 2 * span();
    }

    /** Scores are divided by sqrt(head_dim · (1 + [c2p] + [p2c])). */
    public int scaleFactor() {
        return 1 + (c2p ? 1 : 0) + (p2c ? 1 : 0);
    }

    /**
     * The score divisor as transformers computes it: the square root taken in float32 (torch.float), then widened
     * to the activations' dtype; a float64 model divides by that float32 value.
     */
    public double scoreScale(int headDim) {
        return (float) Math.sqrt((float) headDim * scaleFactor());
    }

    /**
     * The relative position of query i to key j, δ = i − j, as transformers' build_relative_position gives it:
     * unchanged within ±position_buckets/2, beyond that a log bucket (make_log_bucket_position), computed in
     * float32 as torch does so that the ceiling lands where it lands there.
     */
    public int bucket(int delta) {
        if (positionBuckets <= 0) {
            return delta;
        }
        int mid = positionBuckets / 2;
        int abs = delta < mid && delta > -mid ? mid - 1 : Math.abs(delta);
        if (abs <= mid) {
            return delta;
        }
        float ratio = (float) abs / mid;
        float logRatio = (float) Math.log(ratio);
        float logMax = (float) Math.log((float) ((double) (maxRelativePositions - 1) / mid));
        float scaled = logRatio / logMax * (mid - 1);
        int logPos = (int) Math.ceil(scaled) + mid;
        return delta < 0 ? -logPos : logPos;
    }

    /** The row of the relative embeddings content-to-position reads for δ = i − j: clamp(bucket(δ) + span). */
    public int c2pRow(int delta) {
        return clampRow(bucket(delta) + span());
    }

    /** The row position-to-content reads for query i, key j with δ = i − j: clamp(−bucket(j − i) + span). */
    public int p2cRow(int delta) {
        return clampRow(-bucket(-delta) + span());
    }

    private int clampRow(int row) {
        return Math.max(0, Math.min(relEmbeddingRows() - 1, row));
    }
}
