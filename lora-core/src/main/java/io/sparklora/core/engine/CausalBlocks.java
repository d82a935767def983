package io.sparklora.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

import static io.sparklora.core.engine.Blas.at;
import static io.sparklora.core.engine.Blas.base;
import static io.sparklora.core.engine.Blas.gemm;

/**
 * Causal attention for the CPU: per unit u of B·Hkv (a batch row's key/value head and its G query heads), the scores
 * of each block of {@value #BLOCK} query rows against only the keys those rows can see (keys 0 … the block's last
 * row; at T = 256 that is 5/8 of the full [T, T] products), the causal softmax, and the products after it, as direct
 * BLAS calls on the arrays' memory. The units run on {@link EngineThreads}, each whole on one thread.
 * <p>
 * With more than one unit, every product is cut into tiles of at most 64·64·64 multiply-adds, which OpenBLAS runs
 * on the calling thread (above that size it spreads a call over its own thread pool, which serialises concurrent
 * callers): two Java threads of such tiles ran bench-small's score products at 53-55 GFLOP/s, against 34-47 for
 * whole blocks on OpenBLAS's two threads. The batched product this replaces ({@link Ops#bmm}) is libnd4j's own loop, not BLAS, and
 * computes every masked score too.
 * <p>
 * Shapes, per unit: q, o, dO, dQ [G·T, D]; k, v, dK, dV [T, D]; scores/probabilities, dP, dS [G·T, T], whose columns
 * past a block's visible keys the softmax kernels write (zeros), in per-thread slots; the softmax's row statistics
 * [G·T, 2] (max, 1/Σ), the only part kept for the backward pass; row dots [G·T]. The G query heads' and the blocks'
 * contributions to dK and dV add up in a fixed order. float32 on the CPU only: {@link Fused} decides. The calls go
 * through JavaCPP's {@code openblas} (ND4J loads it and {@code openblas_nolapack}, two copies of OpenBLAS with their
 * own threads): through {@code openblas_nolapack} bench-small's attention products took 289-354 ms a step against
 * 163-202, alternating runs.
 */
final class CausalBlocks {
    static final int BLOCK = 64;

    private final int units;
    private final int group;
    private final int t;
    private final int d;
    private final int tile;

    /** @param units B·Hkv; @param group query heads per key/value head; @param t sequence length; @param d head_dim */
    CausalBlocks(long units, int group, int t, int d) {
        this.units = Math.toIntExact(units);
        this.group = group;
        this.t = t;
        this.d = d;
        // One unit has one thread: its whole-block products may as well run on OpenBLAS's threads.
        this.tile = this.units == 1 ? t : (int) Math.max(8, Math.min(BLOCK, Blas.CALLER_THREAD_MNK / ((long) BLOCK * d)));
    }

    /**
     * out = P·V with P = causal softmax(scale·Q·Kᵀ) (sliding {@code window} when > 0). P lives only while its unit
     * is worked on, in that thread's slot of {@code scores}; each row's softmax max and 1/Σ go to {@code stats},
     * from which {@link #backward} rebuilds P bit for bit (2 floats a row kept instead of T).
     * q, out [B·Hkv, G·T, D]; k, v [B·Hkv, T, D]; scores [{@link #scratchSlots}, G·T, T]; stats [B·Hkv, G·T, 2].
     */
    void forward(INDArray q, INDArray k, INDArray v, INDArray scores, INDArray stats, INDArray out, double scale,
                 int window) {
        FloatPointer qs = base(q);
        FloatPointer ks = base(k);
        FloatPointer vs = base(v);
        FloatPointer ps = base(scores);
        FloatPointer os = base(out);
        FloatBuffer pb = Fused.floats(scores);
        FloatBuffer sb = Fused.floats(stats);
        long start = StepProfiler.gemmStart();
        forEachUnit((slot, unit) -> {
            scores(unit, slot, qs, ks, ps, scale);
            SoftmaxKernels.causalSoftmax(unitRows(pb, slot), group * t, t, window, unitStats(sb, unit));
            forEachBlock(unit, (row, m, keys, first) -> {
                for (int c = 0; c < keys; c += tile) { // O = P·V
                    int n = Math.min(tile, keys - c);
                    gemm(false, false, m, d, n, 1, at(ps, sOffset(slot, row) + c), t, at(vs, kOffset(unit, c)), d,
                            c == 0 ? 0 : 1, at(os, qOffset(unit, row)), d);
                }
            });
        });
        StepProfiler.gemmEnd(start);
    }

    /**
     * P again from scale·Q·Kᵀ and the forward pass's {@code stats} (one more score product per block, the price of
     * not keeping P), then dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P·(dP − rowDot) in place of dP, dQ = scale·dS·K,
     * dK = scale·dSᵀ·Q, where rowDot [B·Hkv, G·T] is each query row's dO·O (null: Σ_j P·dP, taken in the softmax
     * backward). Shapes as {@link #forward}; probs and dScores [{@link #scratchSlots}, G·T, T]: a unit's P, dP and dS
     * live only while its thread works on it, so the threads take the units in turn (unit u on slot u mod slots),
     * each in its own slots.
     */
    void backward(INDArray stats, INDArray dOut, INDArray q, INDArray k, INDArray v, INDArray rowDots,
                  INDArray probs, INDArray dScores, INDArray dq, INDArray dk, INDArray dv, double scale, int window) {
        FloatPointer ps = base(probs);
        FloatPointer dos = base(dOut);
        FloatPointer qs = base(q);
        FloatPointer ks = base(k);
        FloatPointer vs = base(v);
        FloatPointer dss = base(dScores);
        FloatPointer dqs = base(dq);
        FloatPointer dks = base(dk);
        FloatPointer dvs = base(dv);
        FloatBuffer pb = Fused.floats(probs);
        FloatBuffer sb = Fused.floats(stats);
        FloatBuffer dsb = Fused.floats(dScores);
        FloatBuffer rb = rowDots == null ? null : Fused.floats(rowDots);
        int rows = group * t;
        long start = StepProfiler.gemmStart();
        forEachUnit((slot, unit) -> {
            scores(unit, slot, qs, ks, ps, scale);
            SoftmaxKernels.causalProbs(unitRows(pb, slot), rows, t, window, unitStats(sb, unit));
            forEachBlock(unit, (row, m, keys, first) -> {
                for (int c = 0; c < keys; c += tile) {
                    int n = Math.min(tile, keys - c);
                    gemm(true, false, n, d, m, 1, at(ps, sOffset(slot, row) + c), t, at(dos, qOffset(unit, row)), d,
                            first ? 0 : 1, at(dvs, kOffset(unit, c)), d); // dV += Pᵀ·dO
                    gemm(false, true, m, n, d, 1, at(dos, qOffset(unit, row)), d, at(vs, kOffset(unit, c)), d, 0,
                            at(dss, sOffset(slot, row) + c), t); // dP = dO·Vᵀ
                }
            });
            SoftmaxKernels.softmaxBackward(unitRows(pb, slot), unitRows(dsb, slot),
                    rb == null ? null : rb.slice(unit * rows, rows), rows, t, true);
            forEachBlock(unit, (row, m, keys, first) -> {
                for (int c = 0; c < keys; c += tile) {
                    int n = Math.min(tile, keys - c);
                    gemm(false, false, m, d, n, scale, at(dss, sOffset(slot, row) + c), t, at(ks, kOffset(unit, c)), d,
                            c == 0 ? 0 : 1, at(dqs, qOffset(unit, row)), d); // dQ = scale·dS·K
                    gemm(true, false, n, d, m, scale, at(dss, sOffset(slot, row) + c), t, at(qs, qOffset(unit, row)),
                            d, first ? 0 : 1, at(dks, kOffset(unit, c)), d); // dK += scale·dSᵀ·Q
                }
            });
        });
        StepProfiler.gemmEnd(start);
    }

    /**
     * S = scale·Q·Kᵀ of unit u into the slot's [G·T, T] rows, each block against only the keys it sees: the same
     * calls in the forward and the backward pass, so the same scores bit for bit.
     */
    private void scores(int u, int slot, FloatPointer qs, FloatPointer ks, FloatPointer ss, double scale) {
        forEachBlock(u, (row, m, keys, first) -> {
            for (int c = 0; c < keys; c += tile) {
                int n = Math.min(tile, keys - c);
                gemm(false, true, m, n, d, scale, at(qs, qOffset(u, row)), d, at(ks, kOffset(u, c)), d, 0,
                        at(ss, sOffset(slot, row) + c), t);
            }
        });
    }

    /** The [G·T, T] slots of the scores, P, dP and dS for this many units: one per thread that takes part. */
    static int scratchSlots(long units) {
        return (int) Math.min(EngineThreads.parallelism(), units);
    }

    private interface UnitWork {
        void run(int slot, int unit);
    }

    /** Every unit, on the threads in turn: unit u on slot u mod slots, each slot one thread's scratch rows. */
    private void forEachUnit(UnitWork work) {
        int slots = scratchSlots(units);
        EngineThreads.forEach(slots, slot -> {
            for (int u = slot; u < units; u += slots) {
                work.run(slot, u);
            }
        });
    }

    private interface BlockWork {
        /**
         * @param row   the block's first row within the unit's [G·T] query rows
         * @param m     its rows
         * @param keys  the keys they see, 0 … keys − 1
         * @param first the unit's first block: a sum over the unit's blocks starts here (beta 0)
         */
        void run(long row, int m, int keys, boolean first);
    }

    /**
     * Every block of one unit, from its last (which sees every key, so a sum it starts covers all of dK and dV) to
     * its first, query head by query head.
     */
    private void forEachBlock(int u, BlockWork work) {
        int lastBlockStart = (t - 1) / BLOCK * BLOCK;
        boolean first = true;
        for (int g = 0; g < group; g++) {
            for (int r0 = lastBlockStart; r0 >= 0; r0 -= BLOCK) {
                int m = Math.min(BLOCK, t - r0);
                work.run((long) g * t + r0, m, r0 + m, first);
                first = false;
            }
        }
    }

    /** Unit u's [G·T, T] rows of a [B·Hkv, G·T, T] buffer. */
    private FloatBuffer unitRows(FloatBuffer all, int u) {
        int size = group * t * t;
        return all.slice(u * size, size);
    }

    /** Unit u's [G·T, 2] row statistics. */
    private FloatBuffer unitStats(FloatBuffer all, int u) {
        int size = group * t * 2;
        return all.slice(u * size, size);
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
}
