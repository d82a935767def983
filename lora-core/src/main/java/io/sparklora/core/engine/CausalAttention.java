package io.sparklora.core.engine;

import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Multi-head self-attention, causal (decoders: grouped-query heads, optional rotary positions and sliding window)
 * or bidirectional over the unpadded keys (encoders), forward and backward side by side. The backward pass is the
 * same for both: a mask is a constant added to the scores.
 * <p>
 * Grouped-query attention without copying keys: the G = H / Hkv query heads that share key/value head j are
 * consecutive, so [B, H, T, D] is [B·Hkv, G·T, D] and each group attends with one batched product. Forward saves
 * the rotated q, k, the values (each [B, heads, T, D]) and the probabilities [B·Hkv, G·T, T].
 * <p>
 * Where {@link Fused} allows (float32 on the CPU), causal attention's products skip the blocks above the diagonal
 * and run with the softmax and its backward ({@link SoftmaxKernels} loops that mask by index) head by head on the
 * engine's threads ({@link CausalBlocks}); there forward keeps each row's softmax max and 1/Σ [B·Hkv, G·T, 2]
 * instead of the probabilities, and backward recomputes them, one more score product per block for T/2 times less
 * memory. Else the batched products, the additive mask and ND4J's softmax below.
 */
final class CausalAttention {
    /** Added to masked scores: exp() of it is exactly 0 in float32 and float64, and it never makes a NaN. */
    static final double MASKED = -1e9;

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int slidingWindow;
    private final Rotary rotary; // null for learned absolute positions
    private final Buffers constants;
    private final Map<Integer, INDArray> masks = new HashMap<>();
    /** The slots whose last forward pass ran {@link CausalBlocks}: their backward pass must, too. */
    private final Set<String> blockSlots = new HashSet<>();
    private final boolean causal;

    CausalAttention(int heads, int kvHeads, int headDim, int slidingWindow, Rotary rotary, Buffers constants) {
        this(heads, kvHeads, headDim, slidingWindow, rotary, constants, true);
    }

    /** An encoder's attention: every query sees every key of its row that is not padding. */
    static CausalAttention bidirectional(int heads, int headDim, Buffers constants) {
        return new CausalAttention(heads, heads, headDim, 0, null, constants, false);
    }

    private CausalAttention(int heads, int kvHeads, int headDim, int slidingWindow, Rotary rotary, Buffers constants,
                            boolean causal) {
        this.causal = causal;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        this.rotary = rotary;
        this.constants = constants;
    }

    /**
     * The additive mask [G·T·L], flattened, for T queries at positions start … start+T−1 over keys at positions
     * 0 … L−1 (L = start + T): 0 where key j is visible from query i (j ≤ i, within the sliding window if any),
     * else MASKED, written to {@code buf}.
     */
    private INDArray mask(int start, int t, Buffers buf) {
        int group = heads / kvHeads;
        int keys = start + t;
        double[] m = new double[group * t * keys];
        for (int r = 0; r < group * t; r++) {
            int i = start + r % t;
            for (int j = 0; j < keys; j++) {
                boolean visible = j <= i && (slidingWindow <= 0 || i - j < slidingWindow);
                m[r * keys + j] = visible ? 0 : MASKED;
            }
        }
        INDArray out = buf.get("attn.mask." + start + "." + t, (long) group * t * keys);
        INDArray host = Nd4j.createFromArray(m).castTo(out.dataType());
        out.assign(host);
        NativeArrays.close(host);
        return out;
    }

    /** A training batch's mask, built once per length. */
    private INDArray batchMask(int t) {
        return masks.computeIfAbsent(t, k -> mask(0, t, constants));
    }

    /**
     * q: [B, T, H, D], k and v: [B, T, Hkv, D] (views into the projections' outputs) → out: [N, H·D]. With a
     * cache in the window (one row), the keys and values are appended to it and the queries attend to all of it.
     */
    void forward(INDArray q, INDArray k, INDArray v, INDArray out, Window window, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.ATTENTION);
        if (window.cache() != null) {
            forwardCached(q, k, v, out, window, buf);
            StepProfiler.exit();
            return;
        }
        long b = q.size(0);
        int t = (int) q.size(1);
        int group = heads / kvHeads;
        INDArray qh = buf.get(slot + ".attn.q", b, heads, t, headDim);
        INDArray kh = buf.get(slot + ".attn.k", b, kvHeads, t, headDim);
        INDArray vh = buf.get(slot + ".attn.v", b, kvHeads, t, headDim);
        INDArray context = buf.get("scratch.attn.context", b, heads, t, headDim);
        INDArray out4 = out.reshape(b, t, heads, headDim); // [B, T, H, D]
        double scale = 1.0 / Math.sqrt(headDim);
        if (causal && window.keyMask() == null && Fused.on(qh, kh, vh, context)
                && HeadLayoutKernels.accepts(q, k, v, out4)) {
            blockSlots.add(slot);
            // per head: copy (and rotate) into [B, heads, T, D]; scores = Q·Kᵀ/sqrt(D) and P·V over the visible
            // key blocks, the softmax masking by index; copy back to [B, T, H, D]
            HeadLayoutKernels.Rotation rotation = rotary == null ? null : rotary.rotation(t);
            HeadLayoutKernels.toHeads(q, qh, rotation);
            HeadLayoutKernels.toHeads(k, kh, rotation);
            HeadLayoutKernels.toHeads(v, vh, null);
            long bk = b * kvHeads;
            INDArray stats = buf.get(slot + ".attn.softmax", bk, (long) group * t, 2);
            new CausalBlocks(bk, group, t, headDim).forward(qh, kh, vh, stats, context, scale, slidingWindow);
            HeadLayoutKernels.fromHeads(context, out4, null);
            StepProfiler.exit();
            return;
        }
        blockSlots.remove(slot);
        INDArray probs = buf.get(slot + ".attn.probs", b * kvHeads, (long) group * t, t);
        qh.assign(q.permute(0, 2, 1, 3)); // [B, H, T, D]
        kh.assign(k.permute(0, 2, 1, 3)); // [B, Hkv, T, D]
        vh.assign(v.permute(0, 2, 1, 3));
        if (rotary != null) {
            rotary.forward(qh, 0, buf);
            rotary.forward(kh, 0, buf);
        }
        Ops.bmm(qh.reshape(b * kvHeads, (long) group * t, headDim), kh.reshape(b * kvHeads, t, headDim), probs, false,
                true, scale); // scores = Q·Kᵀ/sqrt(D)
        maskedSoftmax(probs, b, t, window);
        Ops.bmm(probs, vh.reshape(b * kvHeads, t, headDim), context.reshape(b * kvHeads, (long) group * t, headDim),
                false, false, 1.0);
        out4.assign(context.permute(0, 2, 1, 3)); // [B, T, H, D]
        StepProfiler.exit();
    }

    /** scores [B·Hkv, G·T, T] → probabilities in place: the causal mask, padded keys, then ND4J's softmax. */
    private void maskedSoftmax(INDArray probs, long b, int t, Window window) {
        int group = heads / kvHeads;
        if (causal) {
            probs.reshape(b * kvHeads, (long) group * t * t).addiRowVector(batchMask(t));
        }
        if (window.keyMask() != null) {
            INDArray rowsOfScores = probs.reshape(b, (long) kvHeads * group * t, t); // row r's scores, every head and query
            for (int r = 0; r < b; r++) {
                rowsOfScores.slice(r).addiRowVector(window.keyMask().getRow(r));
            }
        }
        Ops.softmaxLastDim(probs);
    }

    /** The generation path: one row of T new positions against the cache's L = start + T positions. */
    private void forwardCached(INDArray q, INDArray k, INDArray v, INDArray out, Window window, Buffers buf) {
        int t = (int) q.size(1);
        int start = window.start();
        int keys = start + t;
        int group = heads / kvHeads;
        INDArray qh = buf.get("gen.attn.q", 1, heads, t, headDim);
        INDArray kh = buf.get("gen.attn.k", 1, kvHeads, t, headDim);
        qh.assign(q.permute(0, 2, 1, 3)); // [1, H, T, D]
        kh.assign(k.permute(0, 2, 1, 3)); // [1, Hkv, T, D]
        if (rotary != null) {
            rotary.forward(qh, start, buf);
            rotary.forward(kh, start, buf);
        }
        INDArray cachedK = window.cache().keys(window.layer()); // [Hkv, capacity, D]
        INDArray cachedV = window.cache().values(window.layer());
        cachedK.get(NDArrayIndex.all(), NDArrayIndex.interval(start, keys), NDArrayIndex.all()).assign(kh.reshape(kvHeads, t, headDim));
        cachedV.get(NDArrayIndex.all(), NDArrayIndex.interval(start, keys), NDArrayIndex.all())
                .assign(v.permute(0, 2, 1, 3).reshape(kvHeads, t, headDim));
        // Contiguous copies of the cached positions, freed with the call's arrays: handed a strided view, the
        // batched product would copy it anyway, into an array left to the garbage collector.
        INDArray allK = buf.get("gen.attn.keys", kvHeads, keys, headDim); // [Hkv, L, D]
        INDArray allV = buf.get("gen.attn.values", kvHeads, keys, headDim);
        allK.assign(cachedK.get(NDArrayIndex.all(), NDArrayIndex.interval(0, keys), NDArrayIndex.all()));
        allV.assign(cachedV.get(NDArrayIndex.all(), NDArrayIndex.interval(0, keys), NDArrayIndex.all()));
        INDArray probs = buf.get("gen.attn.probs", kvHeads, (long) group * t, keys);
        Ops.bmm(qh.reshape(kvHeads, (long) group * t, headDim), allK, probs, false, true, 1.0 / Math.sqrt(headDim));
        probs.reshape(kvHeads, (long) group * t * keys).addiRowVector(mask(start, t, buf));
        Ops.softmaxLastDim(probs);
        INDArray context = buf.get("gen.attn.context", 1, heads, t, headDim);
        Ops.bmm(probs, allV, context.reshape(kvHeads, (long) group * t, headDim), false, false, 1.0);
        out.reshape(1, t, heads, headDim).assign(context.permute(0, 2, 1, 3));
    }

    /**
     * dOut: [N, H·D], out: the forward output [N, H·D] (null when the caller did not keep it: the softmax
     * backward's row sums then come from the probabilities) → dq: [B, T, H, D], dk and dv: [B, T, Hkv, D] (views;
     * overwritten).
     */
    void backward(INDArray out, INDArray dOut, INDArray dq, INDArray dk, INDArray dv, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.ATTENTION);
        long b = dq.size(0);
        int t = (int) dq.size(1);
        int group = heads / kvHeads;
        long bk = b * kvHeads;
        long gt = (long) group * t;
        INDArray qh = buf.get(slot + ".attn.q", b, heads, t, headDim).reshape(bk, gt, headDim);
        INDArray kh = buf.get(slot + ".attn.k", b, kvHeads, t, headDim).reshape(bk, t, headDim);
        INDArray vh = buf.get(slot + ".attn.v", b, kvHeads, t, headDim).reshape(bk, t, headDim);

        INDArray dContext = buf.get("scratch.attn.context", b, heads, t, headDim);
        INDArray dContext3 = dContext.reshape(bk, gt, headDim);
        INDArray dvh = buf.get("scratch.attn.dv", b, kvHeads, t, headDim);
        INDArray dqh = buf.get("scratch.attn.dq", b, heads, t, headDim);
        INDArray dkh = buf.get("scratch.attn.dk", b, kvHeads, t, headDim);
        double scale = 1.0 / Math.sqrt(headDim); // the forward pass's score scaling
        INDArray dOut4 = dOut.reshape(b, t, heads, headDim);
        INDArray out4 = out == null ? null : out.reshape(b, t, heads, headDim);
        // Causal probabilities are 0 above the diagonal whatever else was masked: the products can skip those blocks.
        if (blockSlots.contains(slot)) { // forward ran the blocks and kept the softmax's row statistics, not P
            if (!(Fused.on(dContext, dqh, dkh, dvh) && HeadLayoutKernels.accepts(dOut4, dq, dk, dv)
                    && (out4 == null || HeadLayoutKernels.accepts(out4)))) {
                throw new IllegalStateException("causal attention's backward kernels refused the gradients' layout "
                        + "(dq " + dq.shapeInfoToString() + ") after its forward kernels kept no probabilities");
            }
            INDArray stats = buf.get(slot + ".attn.softmax", bk, gt, 2);
            // dO per head, with the softmax backward's r_i = Σ_j P_ij·dP_ij = dO_i·O_i (a product over D, not T)
            // where the output was kept; else the softmax backward takes the sum over T itself
            INDArray rHeads = null;
            if (out4 != null) {
                rHeads = buf.get("scratch.attn.r2", b, heads, t); // [B, H, T]: the rows of P
                HeadLayoutKernels.toHeadsWithDots(dOut4, out4, dContext, rHeads);
            } else {
                HeadLayoutKernels.toHeads(dOut4, dContext, null);
            }
            new CausalBlocks(bk, group, t, headDim).backward(stats, dContext3, qh, kh, vh, rHeads, dqh, dkh, dvh,
                    scale, slidingWindow);
            HeadLayoutKernels.Rotation rotation = rotary == null ? null : rotary.rotation(t);
            HeadLayoutKernels.fromHeads(dqh, dq, rotation);
            HeadLayoutKernels.fromHeads(dkh, dk, rotation);
            HeadLayoutKernels.fromHeads(dvh, dv, null);
            StepProfiler.exit();
            return;
        }
        INDArray probs = buf.get(slot + ".attn.probs", bk, gt, t);
        dContext.assign(dOut4.permute(0, 2, 1, 3)); // [B, H, T, D]
        INDArray dScores = buf.get("scratch.attn.dscores", bk, gt, t);
        INDArray rHeads = buf.get("scratch.attn.r2", b, heads, t); // [B, H, T]: the rows of P
        // softmax backward: dS = P·(dP − r) with r_i = Σ_j P_ij·dP_ij = dO_i·O_i, a product over D rather than T
        if (out != null) {
            INDArray products = buf.get("scratch.attn.products", out.shape());
            Nd4j.exec(new MulOp(dOut, out, products));
            INDArray r = buf.get("scratch.attn.r", b, t, heads); // [B, T, H]
            Ops.rowSum(products.reshape(b * t * heads, headDim), r.reshape(b * t * heads));
            rHeads.assign(r.permute(0, 2, 1));
        }
        Ops.bmm(probs, dContext3, dvh.reshape(bk, t, headDim), true, false, 1.0); // Pᵀ·dO, summed over the group
        Ops.bmm(dContext3, vh, dScores, false, true, 1.0); // dP = dO·Vᵀ
        if (out == null) { // the output was not kept: r_i = Σ_j P_ij·dP_ij
            INDArray products = buf.get("scratch.attn.pdp", bk, gt, t);
            Nd4j.exec(new MulOp(probs, dScores, products));
            Ops.rowSum(products.reshape(bk * gt, t), rHeads.reshape(bk * gt));
        }
        if (Fused.on(probs, dScores, rHeads)) {
            SoftmaxKernels.softmaxBackward(Fused.floats(probs), Fused.floats(dScores), Fused.floats(rHeads),
                    (int) (bk * gt), t);
        } else {
            dScores.reshape(bk * gt, t).subiColumnVector(rHeads.reshape(bk * gt));
            dScores.muli(probs);
        }
        Ops.bmm(dScores, kh, dqh.reshape(bk, gt, headDim), false, false, scale); // dS·K
        Ops.bmm(dScores, qh, dkh.reshape(bk, t, headDim), true, false, scale); // dSᵀ·Q
        if (rotary != null) {
            rotary.backward(dqh, 0, buf);
            rotary.backward(dkh, 0, buf);
        }
        dq.assign(dqh.permute(0, 2, 1, 3));
        dk.assign(dkh.permute(0, 2, 1, 3));
        dv.assign(dvh.permute(0, 2, 1, 3));
        StepProfiler.exit();
    }
}
