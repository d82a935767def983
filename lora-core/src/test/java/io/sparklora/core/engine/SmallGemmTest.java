package io.sparklora.core.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SmallGemm against the product it promises, element by element: each element of c is a chain of fused
 * multiply-adds over k in order, (alpha·a)·b added to c (accumulate) or to 0. Bit for bit, on shapes that take every path (whole blocks,
 * rows past the last block of 4, whole vectors past the last panel, floats past the last vector), both layouts of a,
 * offsets and row strides wider than the rows; and within float32 rounding of the float64 product.
 */
class SmallGemmTest {
    private final Random rng = new Random(5);

    @Test
    void everyElementIsItsOrderedFusedChainBitForBit() {
        int p = SmallGemm.PANEL;
        int l = VectorMath.F.length();
        int[][] shapes = {{4, p, 3}, {7, p + l + 3, 5}, {1, 1, 1}, {9, 2 * p, 64}, {64, 3 * p + 1, 64}, {5, l - 1, 2},
                {3, 2 * p + 2 * l, 17}};
        for (int[] s : shapes) {
            for (boolean transA : new boolean[]{false, true}) {
                for (boolean accumulate : new boolean[]{false, true}) {
                    check(s[0], s[1], s[2], transA, accumulate);
                }
            }
        }
    }

    private void check(int m, int n, int k, boolean transA, boolean accumulate) {
        int lda = (transA ? m : k) + 3;
        int ldb = n + 5;
        int ldc = n + 2;
        int ao = 7;
        int bo = 11;
        int co = 13;
        float[] a = gaussian(ao + (transA ? k : m) * lda);
        float[] b = gaussian(bo + k * ldb);
        float[] c = gaussian(co + m * ldc);
        float[] before = c.clone();
        float alpha = 0.37f;
        SmallGemm.gemm(transA, m, n, k, alpha, a, ao, lda, b, bo, ldb, accumulate, c, co, ldc);
        String what = m + "x" + n + "x" + k + (transA ? " transA" : "") + (accumulate ? " accumulate" : "");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = co + i * ldc + j;
                float sum = accumulate ? before[ci] : 0;
                double exact = 0;
                for (int q = 0; q < k; q++) {
                    float x = transA ? a[ao + q * lda + i] : a[ao + i * lda + q];
                    sum = Math.fma(alpha * x, b[bo + q * ldb + j], sum);
                    exact += (double) x * b[bo + q * ldb + j];
                }
                assertThat(c[ci]).as("%s c[%d, %d]", what, i, j).isEqualTo(sum);
                double exactC = alpha * exact + (accumulate ? before[ci] : 0);
                assertThat((double) c[ci]).as("%s c[%d, %d] against float64", what, i, j)
                        .isCloseTo(exactC, org.assertj.core.data.Offset.offset(1e-5 * (k + 1)));
            }
            // row strides wider than the rows: the floats between rows are not written
            for (int j = n; j < ldc && i < m - 1; j++) {
                assertThat(c[co + i * ldc + j]).as("%s padding after row %d", what, i).isEqualTo(before[co + i * ldc + j]);
            }
        }
        for (int i = 0; i < co; i++) {
            assertThat(c[i]).as("%s before the offset", what).isEqualTo(before[i]);
        }
    }

    private float[] gaussian(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }
}
