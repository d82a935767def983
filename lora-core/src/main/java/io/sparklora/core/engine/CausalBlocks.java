package io.sparklora.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

/**
 * Causal attention's six products, each over blocks of {@value #BLOCK} query rows against only the keys those rows
 * can see (keys 0 … the block's last row), as direct BLAS calls on the arrays' memory: at T = 256 that is 5/8 of the
 * full [T, T] products, and no copy or view object per block. The batched product it replaces
 * ({@link Ops#bmm}) is libnd4j's own loop, not BLAS, and computes every masked score too.
 * <p>
 * Shapes, per unit u of B·Hkv (a batch row's key/value head and its G query heads): q, o, dO, dQ [G·T, D]; k, v, dK,
 * dV [T, D]; scores, probabilities, dP, dS [G·T, T], of which only the visible columns of each block are written
 * (the softmax kernels write the rest of each row: zeros). The G query heads' dK and dV add up in a fixed order.
 * float32 on the CPU only: {@link Fused} decides. The calls go through JavaCPP's {@code openblas} (ND4J loads it and
 * {@code openblas_nolapack}, two copies of OpenBLAS with their own threads): through {@code openblas_nolapack}
 * bench-small's attention products took 289-354 ms a step against 163-202, alternating runs.
 */
final class CausalBlocks {
    static final int BLOCK = 64;

    private final int units;
    private final int group;
    private final int t;
    private final int d;

    /** @param units B·Hkv; @param group query heads per key/value head; @param t sequence length; @param d head_dim */
    CausalBlocks(long units, int group, int t, int d) {
        this.units = Math.toIntExact(units);
        this.group = group;
        this.t = t;
        this.d = d;
    }

    /** scores = scale·Q·Kᵀ on the visible blocks. */
    void scores(INDArray q, INDArray k, INDArray scores, double scale) {
        FloatPointer qs = base(q);
        FloatPointer ks = base(k);
        FloatPointer ss = base(scores);
        forEachBlock((u, row, m, keys, first) -> gemm(false, true, m, keys, d, scale, at(qs, qOffset(u, row)), d,
                at(ks, kOffset(u, 0)), d, 0, at(ss, sOffset(u, row)), t));
    }

    /** out = P·V. */
    void context(INDArray probs, INDArray v, INDArray out) {
        FloatPointer ps = base(probs);
        FloatPointer vs = base(v);
        FloatPointer os = base(out);
        forEachBlock((u, row, m, keys, first) -> gemm(false, false, m, d, keys, 1, at(ps, sOffset(u, row)), t,
                at(vs, kOffset(u, 0)), d, 0, at(os, qOffset(u, row)), d));
    }

    /** dV = Pᵀ·dO (summed over the unit's blocks) and dP = dO·Vᵀ (visible blocks). */
    void valueGradients(INDArray probs, INDArray dOut, INDArray v, INDArray dv, INDArray dProbs) {
        FloatPointer ps = base(probs);
        FloatPointer dos = base(dOut);
        FloatPointer vs = base(v);
        FloatPointer dvs = base(dv);
        FloatPointer dps = base(dProbs);
        forEachBlock((u, row, m, keys, first) -> {
            gemm(true, false, keys, d, m, 1, at(ps, sOffset(u, row)), t, at(dos, qOffset(u, row)), d, first ? 0 : 1,
                    at(dvs, kOffset(u, 0)), d);
            gemm(false, true, m, keys, d, 1, at(dos, qOffset(u, row)), d, at(vs, kOffset(u, 0)), d, 0,
                    at(dps, sOffset(u, row)), t);
        });
    }

    /** dQ = scale·dS·K and dK = scale·dSᵀ·Q (summed over the unit's blocks). */
    void queryKeyGradients(INDArray dScores, INDArray q, INDArray k, INDArray dq, INDArray dk, double scale) {
        FloatPointer dss = base(dScores);
        FloatPointer qs = base(q);
        FloatPointer ks = base(k);
        FloatPointer dqs = base(dq);
        FloatPointer dks = base(dk);
        forEachBlock((u, row, m, keys, first) -> {
            gemm(false, false, m, d, keys, scale, at(dss, sOffset(u, row)), t, at(ks, kOffset(u, 0)), d, 0,
                    at(dqs, qOffset(u, row)), d);
            gemm(true, false, keys, d, m, scale, at(dss, sOffset(u, row)), t, at(qs, qOffset(u, row)), d,
                    first ? 0 : 1, at(dks, kOffset(u, 0)), d);
        });
    }

    private interface BlockWork {
        /**
         * @param row   the block's first row within the unit's [G·T] query rows
         * @param m     its rows
         * @param keys  the keys they see, 0 … keys − 1
         * @param first the unit's first block: a sum over the unit's blocks starts here (beta 0)
         */
        void run(int unit, long row, int m, int keys, boolean first);
    }

    /**
     * Every block of every unit on the calling thread, each unit's blocks from its last (which sees every key, so a
     * sum it starts covers all of dK and dV) to its first; OpenBLAS spreads each product over its own threads. (Two
     * Java threads calling OpenBLAS at once made these products about ten times slower: its pthreads build
     * serialises callers on its thread pool.)
     */
    private void forEachBlock(BlockWork work) {
        long start = StepProfiler.gemmStart();
        int lastBlockStart = (t - 1) / BLOCK * BLOCK;
        for (int u = 0; u < units; u++) {
            boolean first = true;
            for (int g = 0; g < group; g++) {
                for (int r0 = lastBlockStart; r0 >= 0; r0 -= BLOCK) {
                    int m = Math.min(BLOCK, t - r0);
                    work.run(u, (long) g * t + r0, m, r0 + m, first);
                    first = false;
                }
            }
        }
        StepProfiler.gemmEnd(start);
    }

    private long qOffset(int u, long row) {
        return ((long) u * group * t + row) * d;
    }

    private long kOffset(int u, long row) {
        return ((long) u * t + row) * d;
    }

    private long sOffset(int u, long row) {
        return ((long) u * group * t + row) * t;
    }

    private static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, FloatPointer a, int lda,
                             FloatPointer b, int ldb, double beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                (float) alpha, a, lda, b, ldb, (float) beta, c, ldc);
    }

    /** A pointer to element {@code offset} of the memory at {@code base}: a new object; the base stays put. */
    private static FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(offset);
    }

    private static FloatPointer base(INDArray a) {
        return new FloatPointer(a.data().addressPointer());
    }
}
