package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/** Causal multi-head self-attention with optional grouped-query heads and rotary positions. */
final class Attention {
    /** Added to masked scores: exp() of it is exactly 0 in float32 and float64, and it never makes a NaN. */
    static final double MASKED = -1e9;

    private Attention() {
    }

    /**
     * q: [N, H·D], k and v: [N, Hkv·D] with N = B·T → [N, H·D].
     *
     * @param rotary null for models with learned absolute positions
     */
    static SDVariable apply(GraphContext g, SDVariable q, SDVariable k, SDVariable v, int heads, int kvHeads,
                            int headDim, Rotary rotary, SDVariable causalMask) {
        int t = g.seqLen();
        SDVariable q4 = q.reshape(-1, t, heads, headDim).permute(0, 2, 1, 3); // [B, H, T, D]
        SDVariable k4 = k.reshape(-1, t, kvHeads, headDim).permute(0, 2, 1, 3); // [B, Hkv, T, D]
        SDVariable v4 = v.reshape(-1, t, kvHeads, headDim).permute(0, 2, 1, 3); // [B, Hkv, T, D]
        if (rotary != null) {
            q4 = rotary.apply(g, q4, heads);
            k4 = rotary.apply(g, k4, kvHeads);
        }
        // Grouped-query attention without copying keys: the `group` query heads that share key/value head j are
        // consecutive, so [B, H, T, D] is [B, Hkv, group·T, D] and every group attends with one batched product.
        int group = heads / kvHeads;
        SDVariable qGrouped = q4.reshape(-1, kvHeads, group * t, headDim); // [B, Hkv, G·T, D]
        SDVariable scores = g.sd.mmul(qGrouped, k4, false, true, false).mul(1.0 / Math.sqrt(headDim)); // [B, Hkv, G·T, T]
        SDVariable probs = g.sd.nn.softmax(scores.add(causalMask), 3); // mask: [G·T, T]
        SDVariable context = g.sd.mmul(probs, v4).reshape(-1, heads, t, headDim); // [B, Hkv, G·T, D] → [B, H, T, D]
        return context.permute(0, 2, 1, 3).reshape(-1, heads * headDim); // [N, H·D]
    }

    /**
     * [G·T, T] additive mask, the [T, T] causal mask repeated for each of the G query heads per key/value head:
     * 0 where key j is visible from query i (j <= i, and within the sliding window if any), else MASKED.
     */
    static SDVariable causalMask(GraphContext g, int group, int slidingWindow) {
        int t = g.seqLen();
        double[] mask = new double[group * t * t];
        for (int r = 0; r < group * t; r++) {
            int i = r % t;
            for (int j = 0; j < t; j++) {
                boolean visible = j <= i && (slidingWindow <= 0 || i - j < slidingWindow);
                mask[r * t + j] = visible ? 0 : MASKED;
            }
        }
        return g.sd.constant("causal_mask", Nd4j.createFromArray(mask).reshape(group * t, t).castTo(g.spec.dtype()));
    }
}
