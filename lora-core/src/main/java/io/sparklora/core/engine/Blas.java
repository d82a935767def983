package io.sparklora.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

/**
 * OpenBLAS's sgemm called directly on arrays' native memory, for the CPU's float32 path ({@link Fused} decides).
 * <p>
 * Why not {@code Nd4j.gemm}: on bench-small's [1024, 512]·[512, 512] projections it ran at 104-119 GFLOP/s where
 * the same OpenBLAS called directly ran at 129-153, the same arrays in the same JVM, alternating calls (about
 * 0.6 ms of ND4J's own work around each 4 ms product); on [1024, 512]·[512, 6144] the two were within 3%.
 * The calls go through JavaCPP's {@code openblas}, so all of a step's BLAS products share one OpenBLAS thread pool
 * (ND4J loads a second copy, {@code openblas_nolapack}, with its own): through {@code openblas_nolapack},
 * bench-small's attention products (then OpenBLAS tiles) took 289-354 ms a step against 163-202, alternating runs.
 */
final class Blas {
    /** OpenBLAS 0.3.19 runs a gemm of at most 65536·4 multiply-adds on its caller's thread (interface/gemm.c). */
    static final long CALLER_THREAD_MNK = 65536L * 4;

    private Blas() {
    }

    /**
     * c = alpha·op(a)·op(b) + beta·c as one sgemm when the three are float32 matrices whose rows are each
     * contiguous (views of rows or of columns included) and the fused path is on; returns false, having done
     * nothing, otherwise.
     */
    static boolean gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                        double beta) {
        if (!accepts(a, b, c)) {
            return false;
        }
        int m = Math.toIntExact(c.size(0));
        int n = Math.toIntExact(c.size(1));
        int k = Math.toIntExact(transA ? a.size(0) : a.size(1));
        requireShapes(a, b, c, transA, transB, m, n, k);
        if (m == 0 || n == 0) {
            return true;
        }
        gemm(transA, transB, m, n, k, alpha, base(a), leading(a), base(b), leading(b), beta, base(c), leading(c));
        return true;
    }

    /**
     * As {@link #gemm(INDArray, INDArray, INDArray, boolean, boolean, double, double)}, cut into tiles of at most
     * {@link #CALLER_THREAD_MNK} multiply-adds that run on {@link EngineThreads}, each on its caller's thread: over
     * C's rows, or over its columns where it has fewer rows than columns. For a LoRA adapter's thin products (one
     * dimension the rank r): called whole, OpenBLAS spread each over its thread pool and took 0.7-1.7 ms where two
     * threads of tiles took 0.4-0.5 (bench-small's [1024, 512]·[512, 8], after other work, as in a step). Each
     * element of C is one tile's, so the result does not depend on the threads.
     */
    static boolean gemmTiled(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                             double beta) {
        if (!accepts(a, b, c)) {
            return false;
        }
        int m = Math.toIntExact(c.size(0));
        int n = Math.toIntExact(c.size(1));
        int k = Math.toIntExact(transA ? a.size(0) : a.size(1));
        if ((long) m * n * k <= CALLER_THREAD_MNK) {
            return gemm(a, b, c, transA, transB, alpha, beta);
        }
        requireShapes(a, b, c, transA, transB, m, n, k);
        FloatPointer pa = base(a);
        FloatPointer pb = base(b);
        FloatPointer pc = base(c);
        int lda = leading(a);
        int ldb = leading(b);
        int ldc = leading(c);
        boolean byRows = m >= n;
        int span = byRows ? m : n;
        int size = (int) Math.max(1, CALLER_THREAD_MNK / ((long) k * (byRows ? n : m))); // rows or columns a tile
        EngineThreads.forEach((span + size - 1) / size, tile -> {
            int from = tile * size;
            int count = Math.min(size, span - from);
            if (byRows) { // op(a)'s rows from … from + count: a's columns when transposed
                gemm(transA, transB, count, n, k, alpha, at(pa, transA ? from : (long) from * lda), lda, pb, ldb,
                        beta, at(pc, (long) from * ldc), ldc);
            } else { // op(b)'s columns: b's rows when transposed
                gemm(transA, transB, m, count, k, alpha, pa, lda, at(pb, transB ? (long) from * ldb : from), ldb,
                        beta, at(pc, from), ldc);
            }
        });
        return true;
    }

    /** Row-major sgemm on raw pointers; lda, ldb, ldc are the distances between rows, in floats. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, FloatPointer a, int lda,
                     FloatPointer b, int ldb, double beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                (float) alpha, a, lda, b, ldb, (float) beta, c, ldc);
    }

    /** A pointer to element {@code offset} of the memory at {@code base}: a new object; the base stays put. */
    static FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(offset);
    }

    /** The array's first element (a view's own, ND4J's buffer of a view already starts there). */
    static FloatPointer base(INDArray a) {
        return new FloatPointer(a.data().addressPointer());
    }

    /** Whether the fused path is on and the three are matrices {@link #rowMajor} describes. */
    private static boolean accepts(INDArray a, INDArray b, INDArray c) {
        return Fused.enabled() && rowMajor(a) && rowMajor(b) && rowMajor(c);
    }

    /** A float32 matrix whose elements along a row are adjacent, each row {@link #leading} floats after the last. */
    private static boolean rowMajor(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.rank() == 2 && (a.stride(1) == 1 || a.size(1) == 1)
                && leading(a) >= a.size(1) && a.stride(0) <= Integer.MAX_VALUE;
    }

    private static int leading(INDArray a) {
        return a.size(0) == 1 ? (int) Math.max(1, a.size(1)) : (int) a.stride(0);
    }

    private static void requireShapes(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, int m,
                                      int n, int k) {
        if ((transA ? a.size(1) : a.size(0)) != m || (transB ? b.size(0) : b.size(1)) != n
                || (transB ? b.size(1) : b.size(0)) != k) {
            throw new IllegalArgumentException("gemm shapes do not match: " + shape(a, transA) + " · "
                    + shape(b, transB) + " into " + shape(c, false));
        }
    }

    private static String shape(INDArray a, boolean transposed) {
        return transposed ? "[" + a.size(1) + ", " + a.size(0) + "]ᵀ" : "[" + a.size(0) + ", " + a.size(1) + "]";
    }
}
