package io.sparklora.core.engine;

import io.sparklora.core.model.DebertaSettings;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DeBERTa's disentangled self-attention over the unpadded keys, forward and backward side by side:
 * scores_ij = (q_i·k_j + q_i·Pk_{c2p(i−j)} + k_j·Pq_{p2c(i−j)}) / sqrt(D · (1 + [c2p] + [p2c])), where Pk and Pq
 * are the relative embeddings projected by the layer's own key_proj and query_proj (share_att_key).
 * <p>
 * The position terms without a gather per (i, j): the projected rows arrive indexed by offset ({@link
 * RelativePositions}: u = j − i + T − 1 for c2p), so one batched product gives every query against every offset,
 * [T, 2T−1] per row and head, and score (i, j) sits at (i, j − i + T − 1): in the flat array, offset
 * T − 1 + i·(2T − 2) + j. A strided view with row stride 2T − 2 reads the [T, T] scores straight out of it. p2c is
 * the same with keys as rows (offsets v = i − j + T − 1), read transposed.
 * Backward writes the score gradients through the same view into zeros (each (i, u) holds at most one j), then the
 * two products' transposes give dq (dk) and the gradient of the projected rows.
 */
final class DisentangledAttention {
    private final int heads;
    private final int headDim;
    private final boolean c2p;
    private final boolean p2c;
    private final double invScale;

    DisentangledAttention(int heads, int headDim, DebertaSettings settings) {
        this.heads = heads;
        this.headDim = headDim;
        this.c2p = settings.c2p();
        this.p2c = settings.p2c();
        this.invScale = 1.0 / settings.scoreScale(headDim);
    }

    /**
     * The [H, B, T, T] view of rel [H, B·T, 2T−1] (contiguous) whose element (h, b, a, c) is rel[h, b·T + a, c − a + T − 1].
     */
    private static INDArray byPosition(INDArray rel, long b, int t) {
        long w = RelativePositions.offsets(t);
        return Nd4j.create(rel.data(), new long[] {rel.size(0), b, t, t}, new long[] {b * t * w, t * w, w - 1, 1},
                rel.offset() + t - 1, 'c');
    }

    /** a: [B, H, T, D] → [H, B·T, D], heads first, for one product per head against the shared position rows. */
    private static INDArray byHead(INDArray a, INDArray out) {
        long b = a.size(0);
        out.reshape(a.size(1), b, a.size(2), a.size(3)).assign(a.permute(1, 0, 2, 3));
        return out;
    }

    /**
     * q, k, v: [B, T, H, D] (views into the projections' outputs), posKey and posQuery: the projected rows
     * [2T−1, H·D] (null for an absent term) → out: [N, H·D]. Saves q, k, v per head, the position rows per head
     * and the probabilities under {@code slot}.
     */
    void forward(INDArray q, INDArray k, INDArray v, INDArray posKey, INDArray posQuery, INDArray out, Window window,
                 Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.ATTENTION);
        long b = q.size(0);
        int t = (int) q.size(1);
        int w = RelativePositions.offsets(t);
        INDArray qh = buf.get(slot + ".attn.q", b, heads, t, headDim);
        INDArray kh = buf.get(slot + ".attn.k", b, heads, t, headDim);
        INDArray vh = buf.get(slot + ".attn.v", b, heads, t, headDim);
        qh.assign(q.permute(0, 2, 1, 3)); // [B, H, T, D]
        kh.assign(k.permute(0, 2, 1, 3));
        vh.assign(v.permute(0, 2, 1, 3));
        INDArray probs = buf.get(slot + ".attn.probs", b * heads, t, t);
        Ops.bmm(qh.reshape(b * heads, t, headDim), kh.reshape(b * heads, t, headDim), probs, false, true, invScale);
        INDArray scores = probs.reshape(b, heads, t, t);
        INDArray rel = buf.get("scratch.rel.scores", heads, b * t, w);
        if (c2p) { // q_i · Pk_u for every offset u, then (i, j) at u = j − i + T − 1
            INDArray pos = buf.get(slot + ".attn.pk", heads, w, headDim);
            pos.assign(posKey.reshape(w, heads, headDim).permute(1, 0, 2));
            Ops.bmm(byHead(qh, buf.get("scratch.rel.content", heads, b * t, headDim)), pos, rel, false, true, invScale);
            scores.addi(byPosition(rel, b, t).permute(1, 0, 2, 3));
        }
        if (p2c) { // k_j · Pq_v for every offset v, the key's row; (i, j) at (j, v = i − j + T − 1), the transpose
            INDArray pos = buf.get(slot + ".attn.pq", heads, w, headDim);
            pos.assign(posQuery.reshape(w, heads, headDim).permute(1, 0, 2));
            Ops.bmm(byHead(kh, buf.get("scratch.rel.content", heads, b * t, headDim)), pos, rel, false, true, invScale);
            scores.addi(byPosition(rel, b, t).permute(1, 0, 3, 2));
        }
        INDArray rowsOfScores = probs.reshape(b, (long) heads * t, t); // row r's scores, every head and query
        for (int r = 0; r < b; r++) {
            rowsOfScores.slice(r).addiRowVector(window.keyMask().getRow(r));
        }
        Ops.softmaxLastDim(probs);
        INDArray context = buf.get("scratch.attn.context", b, heads, t, headDim);
        Ops.bmm(probs, vh.reshape(b * heads, t, headDim), context.reshape(b * heads, t, headDim), false, false, 1.0);
        out.reshape(b, t, heads, headDim).assign(context.permute(0, 2, 1, 3));
        StepProfiler.exit();
    }

    /**
     * dOut: [N, H·D], out: the forward output → dq, dk, dv: [B, T, H, D] (views; overwritten), dPosKey and
     * dPosQuery: [2T−1, H·D] (overwritten; null for an absent term).
     */
    void backward(INDArray out, INDArray dOut, INDArray dq, INDArray dk, INDArray dv, INDArray dPosKey,
                  INDArray dPosQuery, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.ATTENTION);
        long b = dq.size(0);
        int t = (int) dq.size(1);
        int w = RelativePositions.offsets(t);
        long bh = b * heads;
        INDArray qh = buf.get(slot + ".attn.q", b, heads, t, headDim);
        INDArray kh = buf.get(slot + ".attn.k", b, heads, t, headDim);
        INDArray vh = buf.get(slot + ".attn.v", b, heads, t, headDim).reshape(bh, t, headDim);
        INDArray probs = buf.get(slot + ".attn.probs", bh, t, t);

        INDArray dContext = buf.get("scratch.attn.context", b, heads, t, headDim);
        dContext.assign(dOut.reshape(b, t, heads, headDim).permute(0, 2, 1, 3)); // [B, H, T, D]
        INDArray dContext3 = dContext.reshape(bh, t, headDim);
        INDArray dvh = buf.get("scratch.attn.dv", b, heads, t, headDim);
        Ops.bmm(probs, dContext3, dvh.reshape(bh, t, headDim), true, false, 1.0); // Pᵀ·dO
        INDArray dScores = buf.get("scratch.attn.dscores", bh, t, t);
        Ops.bmm(dContext3, vh, dScores, false, true, 1.0); // dP = dO·Vᵀ
        // softmax backward: dS = P·(dP − r), r_i = Σ_j P_ij·dP_ij = dO_i·O_i
        INDArray products = buf.get("scratch.attn.products", out.shape());
        Nd4j.exec(new MulOp(dOut, out, products));
        INDArray r = buf.get("scratch.attn.r", b, t, heads);
        Ops.rowSum(products.reshape(b * t * heads, headDim), r.reshape(b * t * heads));
        INDArray rHeads = buf.get("scratch.attn.r2", b, heads, t);
        rHeads.assign(r.permute(0, 2, 1));
        dScores.reshape(bh * t, t).subiColumnVector(rHeads.reshape(bh * t));
        dScores.muli(probs);

        INDArray dqh = buf.get("scratch.attn.dq", b, heads, t, headDim);
        INDArray dkh = buf.get("scratch.attn.dk", b, heads, t, headDim);
        Ops.bmm(dScores, kh.reshape(bh, t, headDim), dqh.reshape(bh, t, headDim), false, false, invScale); // dS·K
        Ops.bmm(dScores, qh.reshape(bh, t, headDim), dkh.reshape(bh, t, headDim), true, false, invScale); // dSᵀ·Q
        INDArray dS = dScores.reshape(b, heads, t, t);
        INDArray dRel = buf.get("scratch.rel.scores", heads, b * t, w);
        INDArray content = buf.get("scratch.rel.content", heads, b * t, headDim);
        INDArray dContent = buf.get("scratch.rel.dcontent", heads, b * t, headDim);
        INDArray dPos = buf.get("scratch.rel.dpos", heads, w, headDim);
        if (c2p) {
            dRel.assign(0);
            byPosition(dRel, b, t).assign(dS.permute(1, 0, 2, 3));
            Ops.bmm(dRel, buf.get(slot + ".attn.pk", heads, w, headDim), dContent, false, false, invScale);
            dqh.addi(dContent.reshape(heads, b, t, headDim).permute(1, 0, 2, 3));
            Ops.bmm(dRel, byHead(qh, content), dPos, true, false, invScale);
            dPosKey.reshape(w, heads, headDim).assign(dPos.permute(1, 0, 2));
        }
        if (p2c) {
            dRel.assign(0);
            byPosition(dRel, b, t).assign(dS.permute(1, 0, 3, 2));
            Ops.bmm(dRel, buf.get(slot + ".attn.pq", heads, w, headDim), dContent, false, false, invScale);
            dkh.addi(dContent.reshape(heads, b, t, headDim).permute(1, 0, 2, 3));
            Ops.bmm(dRel, byHead(kh, content), dPos, true, false, invScale);
            dPosQuery.reshape(w, heads, headDim).assign(dPos.permute(1, 0, 2));
        }
        dq.assign(dqh.permute(0, 2, 1, 3));
        dk.assign(dkh.permute(0, 2, 1, 3));
        dv.assign(dvh.permute(0, 2, 1, 3));
        StepProfiler.exit();
    }
}
