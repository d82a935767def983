package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Causal attention for the CPU: per unit u of B·Hkv (a batch row's key/value head and its G query heads), the scores
 * of each block of {@value #BLOCK} query rows against only the keys those rows can see (keys 0 … the block's last
 * row; at T = 256 that is 5/8 of the full [T, T] products), the causal softmax, and the products after it. The units
 * run on {@link EngineThreads}, each whole on one thread, in that thread's {@link Scratch} on the Java heap: the
 * unit's q, k, v (and dO) are copied in once, its products run there as {@link SmallGemm} calls, one query head at a
 * time (so the scratch holds one head's [T, T] scores, not the group's), and its outputs are copied out once.
 * <p>
 * Why not BLAS: OpenBLAS spreads any product above 64·64·64 multiply-adds over its own thread pool, which
 * serialises concurrent callers, so the threads each called it on tiles of that size, and a tile's packing and call
 * cost as much as its arithmetic: two threads of tiles ran bench-small's attention products at 50-55 GFLOP/s
 * (whole blocks on OpenBLAS's two threads 34-47), where {@link SmallGemm} runs a head's products at 90-93 on one
 * thread (AVX-512). The batched product of the ND4J path ({@link Ops#bmm}) is libnd4j's own loop, not BLAS, and
 * computes every masked score too.
 * <p>
 * Shapes, per unit: q, o, dO, dQ [G·T, D]; k, v, dK, dV [T, D]; Kᵀ, Vᵀ [D, T]; per query head, scores/probabilities,
 * dP, dS [T, T], whose columns past a block's visible keys the softmax kernels write (zeros); the softmax's row
 * statistics [G·T, 2] (max, 1/Σ), the only part kept for the backward pass; row dots [G·T]. The G query heads' and
 * the blocks' contributions to dK and dV add up in a fixed order. float32 on the CPU only: {@link Fused} decides.
 */
final class CausalBlocks {
    static final int BLOCK = 64;
    /**
     * Kᵀ's and Vᵀ's rows are T + 16 floats apart: at T = 256 rows 1 KB apart share a handful of L1 cache sets, and
     * the score products ran at half speed.
     */
    private static final int TRANSPOSED_PAD = 16;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int units;
    private final int group;
    private final int t;
    private final int d;
    private final int ldT; // Kᵀ's and Vᵀ's row stride

    /** @param units B·Hkv; @param group query heads per key/value head; @param t sequence length; @param d head_dim */
    CausalBlocks(long units, int group, int t, int d) {
        this.units = Math.toIntExact(units);
        this.group = group;
        this.t = t;
        this.d = d;
        this.ldT = t + TRANSPOSED_PAD;
    }

    /**
     * out = P·V with P = causal softmax(scale·Q·Kᵀ) (sliding {@code window} when > 0). P lives only while its unit
     * is worked on, in its thread's scratch; each row's softmax max and 1/Σ go to {@code stats}, from which
     * {@link #backward} rebuilds P bit for bit (2 floats a row kept instead of T).
     * q, out [B·Hkv, G·T, D]; k, v [B·Hkv, T, D]; stats [B·Hkv, G·T, 2].
     */
    void forward(INDArray q, INDArray k, INDArray v, INDArray stats, INDArray out, double scale, int window) {
        FloatBuffer qb = Fused.floats(q);
        FloatBuffer kb = Fused.floats(k);
        FloatBuffer vb = Fused.floats(v);
        FloatBuffer ob = Fused.floats(out);
        FloatBuffer sb = Fused.floats(stats);
        int rows = group * t;
        long start = StepProfiler.gemmStart();
        EngineThreads.forEach(units, unit -> { // each unit whole on one thread
            Scratch s = SCRATCH.get().fit(rows, t, d, ldT);
            qb.get(qOffset(unit), s.q, 0, rows * d);
            kb.get(kOffset(unit), s.k, 0, t * d);
            vb.get(kOffset(unit), s.v, 0, t * d);
            transpose(s.k, s.kT);
            for (int g = 0; g < group; g++) {
                int head = g * t; // the query head's first row in the unit
                scores(s, head, (float) scale);
                SoftmaxKernels.causalSoftmax(s.p, t, t, window, headStats(sb, unit, g));
                forEachBlock(g, (row, m, keys, first) -> // O = P·V
                        SmallGemm.gemm(false, m, d, keys, 1, s.p, row * t, t, s.v, 0, d, false, s.o, (head + row) * d,
                                d));
            }
            ob.put(qOffset(unit), s.o, 0, rows * d);
        });
        StepProfiler.gemmEnd(start);
    }

    /**
     * P again from scale·Q·Kᵀ and the forward pass's {@code stats} (one more score product per block, the price of
     * not keeping P), then dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P·(dP − rowDot) in place of dP, dQ = scale·dS·K,
     * dK = scale·dSᵀ·Q, where rowDot [B·Hkv, G·T] is each query row's dO·O (null: Σ_j P·dP, taken in the softmax
     * backward). Shapes as {@link #forward}.
     */
    void backward(INDArray stats, INDArray dOut, INDArray q, INDArray k, INDArray v, INDArray rowDots, INDArray dq,
                  INDArray dk, INDArray dv, double scale, int window) {
        FloatBuffer dob = Fused.floats(dOut);
        FloatBuffer qb = Fused.floats(q);
        FloatBuffer kb = Fused.floats(k);
        FloatBuffer vb = Fused.floats(v);
        FloatBuffer dqb = Fused.floats(dq);
        FloatBuffer dkb = Fused.floats(dk);
        FloatBuffer dvb = Fused.floats(dv);
        FloatBuffer sb = Fused.floats(stats);
        FloatBuffer rb = rowDots == null ? null : Fused.floats(rowDots);
        int rows = group * t;
        float alpha = (float) scale;
        long start = StepProfiler.gemmStart();
        EngineThreads.forEach(units, unit -> { // each unit whole on one thread
            Scratch s = SCRATCH.get().fit(rows, t, d, ldT);
            qb.get(qOffset(unit), s.q, 0, rows * d);
            kb.get(kOffset(unit), s.k, 0, t * d);
            vb.get(kOffset(unit), s.v, 0, t * d);
            dob.get(qOffset(unit), s.dO, 0, rows * d);
            transpose(s.k, s.kT);
            transpose(s.v, s.vT);
            for (int g = 0; g < group; g++) {
                int head = g * t;
                scores(s, head, alpha);
                SoftmaxKernels.causalProbs(s.p, t, t, window, headStats(sb, unit, g));
                forEachBlock(g, (row, m, keys, first) -> {
                    int q0 = (head + row) * d; // the block's rows of q, dO, dQ
                    // dV += Pᵀ·dO over the heads and blocks (the first block sees every key, so it starts the sum)
                    SmallGemm.gemm(true, keys, d, m, 1, s.p, row * t, t, s.dO, q0, d, !first, s.dv, 0, d);
                    // dP = dO·Vᵀ
                    SmallGemm.gemm(false, m, keys, d, 1, s.dO, q0, d, s.vT, 0, ldT, false, s.ds, row * t, t);
                });
                SoftmaxKernels.causalSoftmaxBackward(s.p, s.ds, rb == null ? null : rb.slice(unit * rows + head, t), t,
                        t);
                forEachBlock(g, (row, m, keys, first) -> {
                    int q0 = (head + row) * d;
                    // dQ = scale·dS·K
                    SmallGemm.gemm(false, m, d, keys, alpha, s.ds, row * t, t, s.k, 0, d, false, s.o, q0, d);
                    // dK += scale·dSᵀ·Q
                    SmallGemm.gemm(true, keys, d, m, alpha, s.ds, row * t, t, s.q, q0, d, !first, s.dk, 0, d);
                });
            }
            dqb.put(qOffset(unit), s.o, 0, rows * d);
            dkb.put(kOffset(unit), s.dk, 0, t * d);
            dvb.put(kOffset(unit), s.dv, 0, t * d);
        });
        StepProfiler.gemmEnd(start);
    }

    /**
     * S = scale·Q·Kᵀ of the query head whose rows start at {@code head} into the scratch's [T, T] rows, each block
     * against only the keys it sees: the same calls in the forward and the backward pass, so the same scores bit for
     * bit.
     */
    private void scores(Scratch s, int head, float scale) {
        forEachBlock(head / t, (row, m, keys, first) -> SmallGemm.gemm(false, m, keys, d, scale, s.q,
                (head + row) * d, d, s.kT, 0, ldT, false, s.p, row * t, t));
    }

    /** [T, D] → [D, T], rows {@link #ldT} apart. */
    private void transpose(float[] x, float[] xT) {
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < d; c++) {
                xT[c * ldT + i] = x[i * d + c];
            }
        }
    }

    private interface BlockWork {
        /**
         * @param row   the block's first row within its query head's T rows
         * @param m     its rows
         * @param keys  the keys they see, 0 … keys − 1
         * @param first the unit's first block (its first head's last): a sum over the unit's blocks starts here
         */
        void run(int row, int m, int keys, boolean first);
    }

    /**
     * Every block of query head g, from its last (which sees every key, so a sum the first head's starts covers all
     * of dK and dV) to its first.
     */
    private void forEachBlock(int g, BlockWork work) {
        int lastBlockStart = (t - 1) / BLOCK * BLOCK;
        for (int r0 = lastBlockStart; r0 >= 0; r0 -= BLOCK) {
            int m = Math.min(BLOCK, t - r0);
            work.run(r0, m, r0 + m, g == 0 && r0 == lastBlockStart);
        }
    }

    /** Unit u's query head g's [T, 2] row statistics. */
    private FloatBuffer headStats(FloatBuffer all, int u, int g) {
        return all.slice(((u * group) + g) * t * 2, t * 2);
    }

    private int qOffset(int u) {
        return Math.toIntExact((long) u * group * t * d);
    }

    private int kOffset(int u) {
        return Math.toIntExact((long) u * t * d);
    }

    /**
     * One thread's arrays for the unit it works on, grown to the largest unit it has seen and then reused: the
     * unit's q, k, v, dO, Kᵀ, Vᵀ; one query head's P [T, T] and dP/dS; o (the forward's output, the backward's dQ),
     * dK and dV. On the Java heap (2·T·T + 3·G·T·D + 4·T·D + 2·D·(T + 16) floats: 1.1 MB at bench-small's T = 256,
     * D = 64; 48 MB at Qwen2-0.5B's G = 7 and T = 2,048), where {@link SmallGemm} runs fastest.
     */
    private static final class Scratch {
        float[] q = new float[0];
        float[] dO = q;
        float[] o = q;
        float[] k = q;
        float[] v = q;
        float[] kT = q;
        float[] vT = q;
        float[] dk = q;
        float[] dv = q;
        float[] p = q;
        float[] ds = q;

        Scratch fit(int rows, int t, int d, int ldT) {
            if (q.length < rows * d) {
                q = new float[rows * d];
                dO = new float[rows * d];
                o = new float[rows * d];
            }
            if (k.length < t * d) {
                k = new float[t * d];
                v = new float[t * d];
                dk = new float[t * d];
                dv = new float[t * d];
            }
            if (kT.length < d * ldT) {
                kT = new float[d * ldT];
                vT = new float[d * ldT];
            }
            if (p.length < t * t) {
                p = new float[t * t];
                ds = new float[t * t];
            }
            return this;
        }
    }
}
