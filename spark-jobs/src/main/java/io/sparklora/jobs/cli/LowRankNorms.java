package io.sparklora.jobs.cli;

/**
 * Frobenius norms of LoRA factors and of their product without forming it: for A [r, in] and B [out, r],
 * ||B·A||_F² = trace((BᵀB)(A·Aᵀ)), two r x r Gram matrices, O(r²·(in + out)) work and O(r²) memory.
 */
final class LowRankNorms {
    private LowRankNorms() {
    }

    /** ||M||_F of a row-major matrix (any shape). */
    static double frobenius(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    /**
     * ||B·A||_F for A [r, in] and B [out, r], both row-major.
     *
     * @throws IllegalArgumentException when the arrays do not have these shapes
     */
    static double productFrobenius(float[] a, int r, int in, float[] b, int out) {
        if (a.length != (long) r * in || b.length != (long) out * r) {
            throw new IllegalArgumentException("A must be [" + r + ", " + in + "] and B [" + out + ", " + r + "]");
        }
        double[][] ga = new double[r][r]; // A·Aᵀ
        for (int i = 0; i < r; i++) {
            for (int j = i; j < r; j++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += (double) a[i * in + k] * a[j * in + k];
                }
                ga[i][j] = s;
                ga[j][i] = s;
            }
        }
        double[][] gb = new double[r][r]; // BᵀB
        for (int o = 0; o < out; o++) {
            int row = o * r;
            for (int i = 0; i < r; i++) {
                double bi = b[row + i];
                if (bi == 0) {
                    continue;
                }
                for (int j = 0; j < r; j++) {
                    gb[i][j] += bi * b[row + j];
                }
            }
        }
        double trace = 0; // trace(GB·GA) = Σ_ij GB[i][j]·GA[j][i], both symmetric
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                trace += gb[i][j] * ga[i][j];
            }
        }
        return Math.sqrt(Math.max(0, trace));
    }
}
