package io.sparklora.core.analysis;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ThinSvdTest {
    @ParameterizedTest
    @CsvSource({"7, 5", "5, 7", "1, 4", "6, 6"})
    void reconstructsWithOrthonormalFactorsAndDescendingValues(int rows, int cols) {
        DenseMatrix m = DenseMatrix.gaussian(rows, cols, new Random(rows * 31L + cols));
        ThinSvd svd = ThinSvd.of(m);
        int k = Math.min(rows, cols);
        assertThat(svd.u().rows()).isEqualTo(rows);
        assertThat(svd.v().rows()).isEqualTo(cols);
        double[] diag = new double[k * k];
        for (int i = 0; i < k; i++) {
            diag[i * k + i] = svd.s()[i];
            if (i > 0) {
                assertThat(svd.s()[i]).isLessThanOrEqualTo(svd.s()[i - 1]);
            }
        }
        DenseMatrix back = svd.u().times(new DenseMatrix(k, k, diag)).times(svd.v().transpose());
        for (int i = 0; i < m.values().length; i++) {
            assertThat(back.values()[i]).isCloseTo(m.values()[i], org.assertj.core.data.Offset.offset(1e-12));
        }
        assertIdentity(svd.u().transpose().times(svd.u()));
        assertIdentity(svd.v().transpose().times(svd.v()));
    }

    static void assertIdentity(DenseMatrix g) {
        for (int i = 0; i < g.rows(); i++) {
            for (int j = 0; j < g.cols(); j++) {
                assertThat(g.get(i, j)).isCloseTo(i == j ? 1 : 0, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }
}
