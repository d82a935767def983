package io.sparklora.core.analysis;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * Amplification on a weight built with known singular values, W = P·diag(σ)·Qᵀ, and updates along chosen singular
 * directions of W, where every figure has a closed form.
 */
class AmplificationTest {
    private static final int OUT = 40;
    private static final int IN = 30;

    @Test
    void anUpdateAlongTwoWeakDirectionsOfW() {
        Random rng = new Random(9);
        DenseMatrix p = DenseMatrix.gaussian(OUT, IN, rng).orthonormalColumns(); // [out, in]
        DenseMatrix q = DenseMatrix.gaussian(IN, IN, rng).orthonormalColumns(); // [in, in]
        double[] sigma = new double[IN];
        for (int i = 0; i < IN; i++) {
            sigma[i] = IN - i; // 30, 29, …, 1
        }
        DenseMatrix w = p.times(diag(sigma)).times(q.transpose());
        // B = [2·p_20, −3·p_25] (out x 2), A = [q_20ᵀ; q_25ᵀ]·0.5 (2 x in), s = 4: ΔW = 4·(p20·q20ᵀ − 1.5·p25·q25ᵀ)
        DenseMatrix b = columns(p, new int[] {20, 25}, new double[] {2, -3});
        DenseMatrix a = columns(q, new int[] {20, 25}, new double[] {0.5, 0.5}).transpose();
        Amplification amp = Amplification.of(w, a, b, 4.0, 1);

        double sigma20 = sigma[20];
        double sigma25 = sigma[25];
        assertThat(amp.r()).isEqualTo(2);
        assertThat(amp.updateDirections()).isCloseTo(Math.hypot(sigma20, sigma25), offset(1e-9)); // W along them
        assertThat(amp.weightDirections()).isCloseTo(Math.hypot(sigma[0], sigma[1]), offset(1e-9)); // sqrt(30² + 29²)
        assertThat(amp.updateNorm()).isCloseTo(4 * Math.hypot(1.0, 1.5), offset(1e-9));
        assertThat(amp.factor()).isCloseTo(amp.updateNorm() / Math.hypot(sigma20, sigma25), offset(1e-9));
        assertThat(amp.randomDirections()).isGreaterThan(0).isLessThan(amp.weightDirections());
    }

    @Test
    void wsOwnTopDirectionsByIterationMatchTheExactDecomposition() {
        DenseMatrix w = DenseMatrix.gaussian(60, 45, new Random(11));
        double[] s = ThinSvd.of(w).s();
        assertThat(Amplification.topSingularValuesNorm(w, 4, 3))
                .isCloseTo(Math.sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2] + s[3] * s[3]), offset(1e-8));
    }

    private static DenseMatrix diag(double[] d) {
        double[] v = new double[d.length * d.length];
        for (int i = 0; i < d.length; i++) {
            v[i * d.length + i] = d[i];
        }
        return new DenseMatrix(d.length, d.length, v);
    }

    /** The chosen columns of m, each times its factor: [m.rows, picks]. */
    private static DenseMatrix columns(DenseMatrix m, int[] picks, double[] factors) {
        double[] v = new double[m.rows() * picks.length];
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < picks.length; c++) {
                v[r * picks.length + c] = factors[c] * m.get(r, picks[c]);
            }
        }
        return new DenseMatrix(m.rows(), picks.length, v);
    }
}
