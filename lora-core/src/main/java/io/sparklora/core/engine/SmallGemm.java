package io.sparklora.core.engine;

import jdk.incubator.vector.FloatVector;

import static io.sparklora.core.engine.VectorMath.F;

/**
 * c = alpha·op(a)·b (+ c) for the small products of one attention head ({@link CausalBlocks}), on the Java heap in
 * Java's Vector API, on the calling thread: no BLAS call, packing or thread hand-off per product. Register-blocked
 * as a BLAS micro-kernel is, 4 rows of C by 4 vectors (2 where a vector holds 8 floats, for the 16 registers of
 * AVX2), one broadcast of a times the vectors of a row of b per step of the sum. On one thread of the build machine
 * (AVX-512) a head's [64, 64]·[64, 256] and [256, 64]ᵀ·[64, 64] ran at 90-93 GFLOP/s, against 46-58 for OpenBLAS's
 * sgemm on the 64·64·64 tiles it runs on its caller's thread (58 with 8-float vectors; 65-77 for this kernel on
 * direct buffers, hence the heap).
 * <p>
 * Every element of c is one lane's chain of fused multiply-adds over k in order, c + Σ (alpha·a)·b starting from c
 * (accumulate) or from 0: the same bits whatever the vector width, the blocking or the thread, so the tails, which
 * run one vector or one float at a time, give what a whole block would. alpha scales each element of a as it is
 * broadcast, and the accumulators start from c, so that the block's epilogue is only its stores: every operation of
 * the kernel stays inlined, where a helper called with vectors (16 of them) made C2 allocate a box for each.
 * <p>
 * Row-major arrays with offsets; op(a) is a [m, k] (element (i, p) at {@code a[ao + i·lda + p]}) or, transposed,
 * a [k, m] (at {@code a[ao + p·lda + i]}); b is [k, n]; c is [m, n].
 */
final class SmallGemm {
    private static final int L = F.length();
    /** Vectors of C per row in the main block: 4 × 4 accumulators fit AVX-512's 32 registers, 4 × 2 AVX2's 16. */
    private static final int V = L >= 16 ? 4 : 2;
    private static final int ROWS = 4;
    /** The columns of c in the main block. */
    static final int PANEL = V * L;

    private SmallGemm() {
    }

    static void gemm(boolean transA, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo,
                     int ldb, boolean accumulate, float[] c, int co, int ldc) {
        int si = transA ? 1 : lda; // a's step between rows of op(a)
        int sp = transA ? lda : 1; // and along the sum
        int j = 0;
        for (; j + PANEL <= n; j += PANEL) {
            int i = 0;
            for (; i + ROWS <= m; i += ROWS) {
                if (V == 4) {
                    block4x4(k, alpha, a, ao + i * si, si, sp, b, bo + j, ldb, accumulate, c, co + i * ldc + j, ldc);
                } else {
                    block4x2(k, alpha, a, ao + i * si, si, sp, b, bo + j, ldb, accumulate, c, co + i * ldc + j, ldc);
                }
            }
            for (; i < m; i++) {
                for (int v = 0; v < V; v++) {
                    vector(k, alpha, a, ao + i * si, sp, b, bo + j + v * L, ldb, accumulate, c, co + i * ldc + j + v * L);
                }
            }
        }
        for (; j + L <= n; j += L) {
            for (int i = 0; i < m; i++) {
                vector(k, alpha, a, ao + i * si, sp, b, bo + j, ldb, accumulate, c, co + i * ldc + j);
            }
        }
        for (; j < n; j++) {
            for (int i = 0; i < m; i++) {
                int ci = co + i * ldc + j;
                float acc = accumulate ? c[ci] : 0;
                for (int p = 0, ai = ao + i * si, bi = bo + j; p < k; p++, ai += sp, bi += ldb) {
                    acc = Math.fma(alpha * a[ai], b[bi], acc);
                }
                c[ci] = acc;
            }
        }
    }

    /** One vector of one row of c. */
    private static void vector(int k, float alpha, float[] a, int ai, int sp, float[] b, int bi, int ldb,
                               boolean accumulate, float[] c, int ci) {
        FloatVector acc = accumulate ? FloatVector.fromArray(F, c, ci) : FloatVector.zero(F);
        for (int p = 0; p < k; p++, ai += sp, bi += ldb) {
            acc = FloatVector.fromArray(F, b, bi).fma(FloatVector.broadcast(F, alpha * a[ai]), acc);
        }
        acc.intoArray(c, ci);
    }

    private static FloatVector start(boolean accumulate, float[] c, int ci) {
        return accumulate ? FloatVector.fromArray(F, c, ci) : FloatVector.zero(F);
    }

    /** Rows i … i+3 of c by 4 vectors; a0 is op(a)'s row i, si the step to the next row, sp along the sum. */
    private static void block4x4(int k, float alpha, float[] a, int a0, int si, int sp, float[] b, int b0, int ldb,
                                 boolean accumulate, float[] c, int c0, int ldc) {
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector c00 = start(accumulate, c, c0), c01 = start(accumulate, c, c0 + L);
        FloatVector c02 = start(accumulate, c, c0 + 2 * L), c03 = start(accumulate, c, c0 + 3 * L);
        FloatVector c10 = start(accumulate, c, c1), c11 = start(accumulate, c, c1 + L);
        FloatVector c12 = start(accumulate, c, c1 + 2 * L), c13 = start(accumulate, c, c1 + 3 * L);
        FloatVector c20 = start(accumulate, c, c2), c21 = start(accumulate, c, c2 + L);
        FloatVector c22 = start(accumulate, c, c2 + 2 * L), c23 = start(accumulate, c, c2 + 3 * L);
        FloatVector c30 = start(accumulate, c, c3), c31 = start(accumulate, c, c3 + L);
        FloatVector c32 = start(accumulate, c, c3 + 2 * L), c33 = start(accumulate, c, c3 + 3 * L);
        for (int p = 0, ai = a0, bi = b0; p < k; p++, ai += sp, bi += ldb) {
            FloatVector b0v = FloatVector.fromArray(F, b, bi);
            FloatVector b1v = FloatVector.fromArray(F, b, bi + L);
            FloatVector b2v = FloatVector.fromArray(F, b, bi + 2 * L);
            FloatVector b3v = FloatVector.fromArray(F, b, bi + 3 * L);
            FloatVector x = FloatVector.broadcast(F, alpha * a[ai]);
            c00 = b0v.fma(x, c00);
            c01 = b1v.fma(x, c01);
            c02 = b2v.fma(x, c02);
            c03 = b3v.fma(x, c03);
            x = FloatVector.broadcast(F, alpha * a[ai + si]);
            c10 = b0v.fma(x, c10);
            c11 = b1v.fma(x, c11);
            c12 = b2v.fma(x, c12);
            c13 = b3v.fma(x, c13);
            x = FloatVector.broadcast(F, alpha * a[ai + 2 * si]);
            c20 = b0v.fma(x, c20);
            c21 = b1v.fma(x, c21);
            c22 = b2v.fma(x, c22);
            c23 = b3v.fma(x, c23);
            x = FloatVector.broadcast(F, alpha * a[ai + 3 * si]);
            c30 = b0v.fma(x, c30);
            c31 = b1v.fma(x, c31);
            c32 = b2v.fma(x, c32);
            c33 = b3v.fma(x, c33);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c12.intoArray(c, c1 + 2 * L);
        c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c22.intoArray(c, c2 + 2 * L);
        c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c32.intoArray(c, c3 + 2 * L);
        c33.intoArray(c, c3 + 3 * L);
    }

    /** Rows i … i+3 of c by 2 vectors. */
    private static void block4x2(int k, float alpha, float[] a, int a0, int si, int sp, float[] b, int b0, int ldb,
                                 boolean accumulate, float[] c, int c0, int ldc) {
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector c00 = start(accumulate, c, c0), c01 = start(accumulate, c, c0 + L);
        FloatVector c10 = start(accumulate, c, c1), c11 = start(accumulate, c, c1 + L);
        FloatVector c20 = start(accumulate, c, c2), c21 = start(accumulate, c, c2 + L);
        FloatVector c30 = start(accumulate, c, c3), c31 = start(accumulate, c, c3 + L);
        for (int p = 0, ai = a0, bi = b0; p < k; p++, ai += sp, bi += ldb) {
            FloatVector b0v = FloatVector.fromArray(F, b, bi);
            FloatVector b1v = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, alpha * a[ai]);
            c00 = b0v.fma(x, c00);
            c01 = b1v.fma(x, c01);
            x = FloatVector.broadcast(F, alpha * a[ai + si]);
            c10 = b0v.fma(x, c10);
            c11 = b1v.fma(x, c11);
            x = FloatVector.broadcast(F, alpha * a[ai + 2 * si]);
            c20 = b0v.fma(x, c20);
            c21 = b1v.fma(x, c21);
            x = FloatVector.broadcast(F, alpha * a[ai + 3 * si]);
            c30 = b0v.fma(x, c30);
            c31 = b1v.fma(x, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
    }
}
