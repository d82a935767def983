package io.sparklora.core.analysis;

/**
 * The LoRA paper's normalised subspace similarity (Section 7.2, Figures 3 and 4) between two adapters' A matrices of
 * one module: φ(A1, A2, i, j) = ||U1_iᵀ·U2_j||_F² / min(i, j), with U1_i the top-i right-singular vectors of A1
 * [r1, in] and U2_j the top-j of A2 [r2, in]. 1 when one subspace contains the other, 0 when they are orthogonal;
 * unchanged by rescaling either matrix.
 */
public final class SubspaceSimilarity {
    private SubspaceSimilarity() {
    }

    /**
     * φ for every i ≤ r1, j ≤ r2: entry [i−1][j−1].
     *
     * @throws IllegalArgumentException when the two matrices adapt inputs of different widths
     */
    public static double[][] grid(DenseMatrix a1, DenseMatrix a2) {
        if (a1.cols() != a2.cols()) {
            throw new IllegalArgumentException("the A matrices have " + a1.cols() + " and " + a2.cols()
                    + " input features: they do not adapt the same module");
        }
        DenseMatrix u1 = rightSingularVectors(a1); // [in, r1]
        DenseMatrix u2 = rightSingularVectors(a2); // [in, r2]
        DenseMatrix overlap = u1.transpose().times(u2); // [r1, r2]: cosines between the two bases' vectors
        int r1 = overlap.rows();
        int r2 = overlap.cols();
        // prefix[i][j] = Σ_{p<i, q<j} overlap[p][q]², so each ||U1_iᵀ U2_j||_F² is one lookup
        double[][] prefix = new double[r1 + 1][r2 + 1];
        for (int p = 0; p < r1; p++) {
            for (int q = 0; q < r2; q++) {
                double c = overlap.get(p, q);
                prefix[p + 1][q + 1] = c * c + prefix[p][q + 1] + prefix[p + 1][q] - prefix[p][q];
            }
        }
        double[][] phi = new double[r1][r2];
        for (int i = 1; i <= r1; i++) {
            for (int j = 1; j <= r2; j++) {
                phi[i - 1][j - 1] = Math.min(1.0, prefix[i][j] / Math.min(i, j));
            }
        }
        return phi;
    }

    /** The right-singular vectors of a [r, in] matrix, most significant first: [in, r]. */
    static DenseMatrix rightSingularVectors(DenseMatrix a) {
        ThinSvd svd = ThinSvd.of(a);
        for (double s : svd.s()) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("A has rank below its r = " + a.rows() + " (a zero singular value): "
                        + "its row space has fewer than r directions to compare");
            }
        }
        return svd.v();
    }
}
