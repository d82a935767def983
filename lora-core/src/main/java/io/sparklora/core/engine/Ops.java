package io.sparklora.core.engine;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J operations the engine is written in, each writing into an array the caller owns. Only backend-neutral
 * calls (BLAS gemm, native transform, broadcast and reduce ops): the CUDA build runs the same code.
 */
final class Ops {
    private Ops() {
    }

    /** c = alpha·op(a)·op(b) + beta·c for 2-D arrays. */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        long t = StepProfiler.gemmStart();
        if (!Blas.gemm(a, b, c, transA, transB, alpha, beta)) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
        }
        StepProfiler.gemmEnd(t);
    }

    /** As {@link #gemm} for a thin product (a LoRA adapter's, one dimension its rank): in tiles on the CPU. */
    static void gemmThin(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                         double beta) {
        long t = StepProfiler.gemmStart();
        if (!Blas.gemmTiled(a, b, c, transA, transB, alpha, beta)) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
        }
        StepProfiler.gemmEnd(t);
    }

    /** c = alpha·op(a)·op(b) batched over the leading dimension of 3-D arrays [batch, ·, ·]. */
    static void bmm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha) {
        MMulTranspose t = MMulTranspose.builder().transposeA(transA).transposeB(transB).build();
        long time = StepProfiler.gemmStart();
        Nd4j.exec(new Mmul(a, b, c, alpha, 0.0, t));
        StepProfiler.gemmEnd(time);
    }

    /**
     * out[i, j] = x[i, j] · v[i] for x [rows, cols], v [rows]. In place on a copy: ND4J's broadcast op along
     * dimension 0 into another array took 3-4 ms on [1024, 768], the copy and the in-place one 0.6.
     */
    static void mulColumn(INDArray x, INDArray v, INDArray out) {
        if (out != x) {
            out.assign(x);
        }
        out.muliColumnVector(v);
    }

    /** out[i, j] = x[i, j] · v[j] for x [rows, cols], v [cols]. */
    static void mulRow(INDArray x, INDArray v, INDArray out) {
        Nd4j.exec(new BroadcastMulOp(x, v, out, 1));
    }

    /** out[i, j] = x[i, j] − v[i], in place on a copy as {@link #mulColumn}. */
    static void subColumn(INDArray x, INDArray v, INDArray out) {
        if (out != x) {
            out.assign(x);
        }
        out.subiColumnVector(v);
    }

    /** out[i] = mean_j x[i, j]. */
    static void rowMean(INDArray x, INDArray out) {
        Nd4j.exec(new Mean(x, out, 1));
    }

    /** out[i] = Σ_j x[i, j]. */
    static void rowSum(INDArray x, INDArray out) {
        Nd4j.exec(new Sum(x, out, 1));
    }

    /** out[j] += Σ_i x[i, j], through a scratch row. */
    static void addColumnSums(INDArray x, INDArray out, INDArray scratch) {
        Nd4j.exec(new Sum(x, scratch, 0));
        out.addi(scratch);
    }

    /** out[i] = max_j x[i, j]. */
    static void rowMax(INDArray x, INDArray out) {
        Nd4j.exec(new Max(x, out, 1));
    }

    /** Softmax over the last dimension, in place. */
    static void softmaxLastDim(INDArray x) {
        Nd4j.exec(new SoftMax(x, x, x.rank() - 1));
    }

    static void tanh(INDArray x, INDArray out) {
        Nd4j.exec(new Tanh(x, out));
    }

    static void sigmoid(INDArray x, INDArray out) {
        Nd4j.exec(new Sigmoid(x, out));
    }

    static void expInPlace(INDArray x) {
        Nd4j.exec(new Exp(x, x));
    }
}
