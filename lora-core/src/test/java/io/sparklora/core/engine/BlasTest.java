package io.sparklora.core.engine;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The direct sgemm against a float64 product of the same arrays: every transpose, accumulation (beta 1), and views
 * whose rows are not adjacent (a block of columns) or start past the buffer's first element (a block of rows).
 * The build starts every test JVM with the Vector API module, so the direct path is on here ({@code FusedStepTest}
 * asserts it): these tests do not skip.
 */
class BlasTest {
    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library, whichever test runs first
    }

    @Test
    void matchesTheProductForEveryTransposeAndViews() {
        Nd4j.getRandom().setSeed(7);
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                // a: [m, k] as op(a); the arrays are views: a block of rows of a wider parent, columns 3 … of b's
                INDArray aParent = Nd4j.rand(DataType.FLOAT, 40, 50);
                INDArray a = transA ? aParent.get(NDArrayIndex.interval(5, 22), NDArrayIndex.interval(0, 13))
                        : aParent.get(NDArrayIndex.interval(5, 18), NDArrayIndex.interval(0, 17)); // op(a) [13, 17]
                INDArray bParent = Nd4j.rand(DataType.FLOAT, 30, 40);
                INDArray b = transB ? bParent.get(NDArrayIndex.interval(2, 11), NDArrayIndex.interval(3, 20))
                        : bParent.get(NDArrayIndex.interval(2, 19), NDArrayIndex.interval(3, 12)); // op(b) [17, 9]
                INDArray cParent = Nd4j.rand(DataType.FLOAT, 20, 12);
                INDArray c = cParent.get(NDArrayIndex.interval(4, 17), NDArrayIndex.interval(1, 10)); // [13, 9]
                INDArray expected = product(a, transA, b, transB).mul(0.5).add(c.castTo(DataType.DOUBLE));
                INDArray untouched = cParent.get(NDArrayIndex.all(), NDArrayIndex.point(0)).dup();

                assertThat(Blas.gemm(a, b, c, transA, transB, 0.5, 1.0)).isTrue();

                assertThat(c.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue())
                        .as("transA %s transB %s", transA, transB).isLessThan(1e-5);
                assertThat(cParent.get(NDArrayIndex.all(), NDArrayIndex.point(0))).isEqualTo(untouched);
            }
        }
    }

    @Test
    void tiledThinProductsMatchTheProduct() {
        Nd4j.getRandom().setSeed(11);
        int r = 8;
        // the four thin products of an adapter: x·Aᵀ and dy·B (tiled over C's rows), dyᵀ·down (rows of the
        // transposed operand), dDownᵀ·x (C has r rows: tiled over its columns), each larger than one tile
        INDArray x = Nd4j.rand(DataType.FLOAT, 300, 700);
        INDArray aMatrix = Nd4j.rand(DataType.FLOAT, r, 700);
        INDArray dy = Nd4j.rand(DataType.FLOAT, 300, 500);
        INDArray bMatrix = Nd4j.rand(DataType.FLOAT, 500, r);
        INDArray down = Nd4j.rand(DataType.FLOAT, 300, r);
        Object[][] products = {
            {x, aMatrix, false, true, Nd4j.zeros(DataType.FLOAT, 300, r)},
            {dy, bMatrix, false, false, Nd4j.zeros(DataType.FLOAT, 300, r)},
            {dy, down, true, false, Nd4j.rand(DataType.FLOAT, 500, r)},
            {down, x, true, false, Nd4j.rand(DataType.FLOAT, r, 700)},
            {down, aMatrix, false, false, Nd4j.rand(DataType.FLOAT, 300, 700)},
        };
        for (Object[] p : products) {
            INDArray a = (INDArray) p[0];
            INDArray b = (INDArray) p[1];
            boolean transA = (Boolean) p[2];
            boolean transB = (Boolean) p[3];
            INDArray c = (INDArray) p[4];
            long k = transA ? a.size(0) : a.size(1);
            assertThat(c.size(0) * c.size(1) * k).isGreaterThan(Blas.CALLER_THREAD_MNK);
            INDArray expected = product(a, transA, b, transB).mul(0.5).add(c.castTo(DataType.DOUBLE));

            assertThat(Blas.gemmTiled(a, b, c, transA, transB, 0.5, 1.0)).isTrue();

            assertThat(c.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue())
                    .as("%s · %s", java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(b.shape()))
                    .isLessThan(1e-3);
        }
    }

    @Test
    void betaZeroIgnoresWhatTheOutputHeld() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 6, 4);
        INDArray b = Nd4j.rand(DataType.FLOAT, 4, 5);
        INDArray c = Nd4j.valueArrayOf(new long[] {6, 5}, Float.NaN, DataType.FLOAT);
        assertThat(Blas.gemm(a, b, c, false, false, 1.0, 0.0)).isTrue();
        assertThat(c.castTo(DataType.DOUBLE).sub(product(a, false, b, false)).amaxNumber().doubleValue())
                .isLessThan(1e-5);
    }

    @Test
    void leavesOtherArraysToNd4j() {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray b = Nd4j.rand(DataType.DOUBLE, 4, 2);
        assertThat(Blas.gemm(a, b, Nd4j.zeros(DataType.DOUBLE, 3, 2), false, false, 1, 0)).isFalse();
        INDArray f = Nd4j.rand(DataType.FLOAT, 4, 3).transpose(); // [3, 4] with adjacent columns, not rows
        assertThat(Blas.gemm(f, Nd4j.rand(DataType.FLOAT, 4, 2), Nd4j.zeros(DataType.FLOAT, 3, 2), false, false, 1, 0))
                .isFalse();
    }

    @Test
    void mismatchedShapesAreRefusedWithBothShapes() {
        assertThatThrownBy(() -> Blas.gemm(Nd4j.rand(DataType.FLOAT, 3, 4), Nd4j.rand(DataType.FLOAT, 5, 2),
                Nd4j.zeros(DataType.FLOAT, 3, 2), false, false, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 4] · [5, 2]");
    }

    private static INDArray product(INDArray a, boolean transA, INDArray b, boolean transB) {
        INDArray a64 = a.castTo(DataType.DOUBLE);
        INDArray b64 = b.castTo(DataType.DOUBLE);
        return (transA ? a64.transpose() : a64).mmul(transB ? b64.transpose() : b64);
    }
}
