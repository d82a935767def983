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
 * The calls go through JavaCPP's {@code openblas}, as {@link CausalBlocks}' do, so all of a step's products
 * share one OpenBLAS thread pool (ND4J loads a second copy, {@code openblas_nolapack}, with its own).
 */
final class Blas {
    private Blas() {
    }

    /**
     * c = alpha·op(a)·op(b) + beta·c as one sgemm when the three are float32 matrices whose rows are each
     * contiguous (views of rows or of columns included) and the fused path is on; returns false, having done
     * nothing, otherwise.
     */
    static boolean gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                        double beta) {
        if (!Fused.enabled() || !rowMajor(a) || !rowMajor(b) || !rowMajor(c)) {
            return false;
        }
        int m = Math.toIntExact(c.size(0));
        int n = Math.toIntExact(c.size(1));
        int k = Math.toIntExact(transA ? a.size(0) : a.size(1));
        if ((transA ? a.size(1) : a.size(0)) != m || (transB ? b.size(0) : b.size(1)) != n
                || (transB ? b.size(1) : b.size(0)) != k) {
            throw new IllegalArgumentException("gemm shapes do not match: " + shape(a, transA) + " · "
                    + shape(b, transB) + " into " + shape(c, false));
        }
        if (m == 0 || n == 0) {
            return true;
        }
        gemm(transA, transB, m, n, k, alpha, base(a), leading(a), base(b), leading(b), beta, base(c), leading(c));
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

    /** A float32 matrix whose elements along a row are adjacent, each row {@link #leading} floats after the last. */
    private static boolean rowMajor(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.rank() == 2 && (a.stride(1) == 1 || a.size(1) == 1)
                && leading(a) >= a.size(1) && a.stride(0) <= Integer.MAX_VALUE;
    }

    private static int leading(INDArray a) {
        return a.size(0) == 1 ? (int) Math.max(1, a.size(1)) : (int) a.stride(0);
    }

    private static String shape(INDArray a, boolean transposed) {
        return transposed ? "[" + a.size(1) + ", " + a.size(0) + "]ᵀ" : "[" + a.size(0) + ", " + a.size(1) + "]";
    }
}
