package io.sparklora.core.analysis;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** φ's defining properties (the LoRA paper, Section 7.2). */
class SubspaceSimilarityTest {
    private static final int IN = 24;

    @Test
    void anAdapterIsFullySimilarToItselfAtEveryRank() {
        DenseMatrix a = DenseMatrix.gaussian(8, IN, new Random(1));
        double[][] phi = SubspaceSimilarity.grid(a, a);
        for (int i = 0; i < 8; i++) {
            assertThat(phi[i][i]).isCloseTo(1.0, offset(1e-12));
        }
    }

    @Test
    void orthogonalRowSpacesGiveZero() {
        // A1's rows mix e0..e3, A2's rows mix e4..e11: no direction in common
        Random rng = new Random(2);
        DenseMatrix a1 = mix(4, 0, rng);
        DenseMatrix a2 = mix(8, 4, rng);
        for (double[] row : SubspaceSimilarity.grid(a1, a2)) {
            for (double v : row) {
                assertThat(v).isCloseTo(0.0, offset(1e-12));
            }
        }
    }

    @Test
    void valuesLieInTheUnitIntervalAndGrowToOneForASubspace() {
        Random rng = new Random(3);
        DenseMatrix small = DenseMatrix.gaussian(2, IN, rng);
        DenseMatrix big = new DenseMatrix(6, IN, concat(small, DenseMatrix.gaussian(4, IN, rng)));
        double[][] phi = SubspaceSimilarity.grid(big, DenseMatrix.gaussian(8, IN, rng));
        for (double[] row : phi) {
            for (double v : row) {
                assertThat(v).isBetween(0.0, 1.0);
            }
        }
        // the r = 2 subspace lies inside the r = 6 one: at (6, 2) it is fully contained
        assertThat(SubspaceSimilarity.grid(big, small)[5][1]).isCloseTo(1.0, offset(1e-12));
    }

    @Test
    void rescalingEitherMatrixChangesNothing() {
        Random rng = new Random(4);
        DenseMatrix a1 = DenseMatrix.gaussian(4, IN, rng);
        DenseMatrix a2 = DenseMatrix.gaussian(6, IN, rng);
        double[][] phi = SubspaceSimilarity.grid(a1, a2);
        double[][] scaled = SubspaceSimilarity.grid(a1.scaled(37.5), a2.scaled(-0.002));
        for (int i = 0; i < phi.length; i++) {
            for (int j = 0; j < phi[i].length; j++) {
                assertThat(scaled[i][j]).isCloseTo(phi[i][j], offset(1e-12));
            }
        }
    }

    @Test
    void refusesDifferentWidthsAndRankDeficientMatrices() {
        assertThatThrownBy(() -> SubspaceSimilarity.grid(DenseMatrix.zeros(2, 5).scaled(1), DenseMatrix.gaussian(2, 6,
                new Random(5)))).hasMessageContaining("5 and 6 input features");
        assertThatThrownBy(() -> SubspaceSimilarity.grid(DenseMatrix.zeros(2, 5), DenseMatrix.gaussian(2, 5,
                new Random(5)))).hasMessageContaining("rank below its r = 2");
    }

    /** rows x IN: random combinations of the unit vectors e_from … e_{from+rows−1}. */
    private static DenseMatrix mix(int rows, int from, Random rng) {
        double[] v = new double[rows * IN];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < rows; c++) {
                v[r * IN + from + c] = rng.nextGaussian();
            }
        }
        return new DenseMatrix(rows, IN, v);
    }

    private static double[] concat(DenseMatrix a, DenseMatrix b) {
        double[] v = new double[a.values().length + b.values().length];
        System.arraycopy(a.values(), 0, v, 0, a.values().length);
        System.arraycopy(b.values(), 0, v, a.values().length, b.values().length);
        return v;
    }
}
