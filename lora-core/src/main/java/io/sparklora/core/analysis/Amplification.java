package io.sparklora.core.analysis;

import java.util.Random;

/**
 * How a LoRA update ΔW = s·B·A relates to the weight W it adapts (the LoRA paper, Section 7.3, Table 7). With U, V
 * the top-r left and right singular directions of ΔW, ||Uᵀ·W·V||_F is how much of W lies along the update's
 * directions; next to it the same projection onto W's own top-r directions and onto random directions, ||ΔW||_F,
 * and the amplification factor ||ΔW||_F / ||Uᵀ·W·V||_F. ΔW is never formed: B·A = Q_B·(R_B·R_Aᵀ)·Q_Aᵀ, so its
 * singular directions come from an r x r core.
 *
 * @param updateDirections  ||Uᵀ·W·V||_F for ΔW's top-r directions
 * @param weightDirections  ||Uᵀ·W·V||_F for W's own top-r directions: sqrt(σ1² + … + σr²) of W
 * @param randomDirections  ||Uᵀ·W·V||_F for random orthonormal U, V of rank r
 * @param updateNorm        ||ΔW||_F
 * @param factor            updateNorm / updateDirections
 */
public record Amplification(int r, double updateDirections, double weightDirections, double randomDirections,
                            double updateNorm, double factor) {
    /** Subspace iterations for W's top directions: enough for the gaps of trained weights; stops earlier on convergence. */
    private static final int MAX_ITERATIONS = 300;

    /**
     * @param w     the base weight [out, in] (nn.Linear's layout; transpose a GPT-2 Conv1D weight first)
     * @param a     lora_A [r, in]
     * @param b     lora_B [out, r]
     * @param scale the adapter's s (alpha / r, or alpha / sqrt(r) with rsLoRA)
     * @param seed  seeds the random directions
     */
    public static Amplification of(DenseMatrix w, DenseMatrix a, DenseMatrix b, double scale, long seed) {
        int r = a.rows();
        if (a.cols() != w.cols() || b.rows() != w.rows() || b.cols() != r) {
            throw new IllegalArgumentException("shapes do not chain: W [" + w.rows() + ", " + w.cols() + "], A [" + r
                    + ", " + a.cols() + "], B [" + b.rows() + ", " + b.cols() + "]");
        }
        // B = Q_B·R_B, Aᵀ = Q_A·R_A → s·B·A = Q_B·(s·R_B·R_Aᵀ)·Q_Aᵀ; the core's SVD gives ΔW's
        DenseMatrix qb = b.orthonormalColumns(); // [out, r]
        DenseMatrix qa = a.transpose().orthonormalColumns(); // [in, r]
        DenseMatrix rb = qb.transpose().times(b); // [r, r]
        DenseMatrix ra = qa.transpose().times(a.transpose()); // [r, r]
        DenseMatrix core = rb.times(ra.transpose()).scaled(scale);
        ThinSvd coreSvd = ThinSvd.of(core);
        DenseMatrix u = qb.times(coreSvd.u()); // [out, r]
        DenseMatrix v = qa.times(coreSvd.v()); // [in, r]
        double updateNorm = core.frobenius(); // orthonormal factors keep the Frobenius norm

        double along = projection(w, u, v);
        double own = topSingularValuesNorm(w, r, seed);
        Random rng = new Random(seed);
        DenseMatrix ru = DenseMatrix.gaussian(w.rows(), r, rng).orthonormalColumns();
        DenseMatrix rv = DenseMatrix.gaussian(w.cols(), r, rng).orthonormalColumns();
        double random = projection(w, ru, rv);
        return new Amplification(r, along, own, random, updateNorm, along == 0 ? Double.POSITIVE_INFINITY : updateNorm / along);
    }

    /** ||Uᵀ·W·V||_F. */
    static double projection(DenseMatrix w, DenseMatrix u, DenseMatrix v) {
        return u.transpose().times(w.times(v)).frobenius();
    }

    /**
     * sqrt(σ1² + … + σr²) of W, = ||U_rᵀ·W·V_r||_F for its own top-r singular vectors: block subspace iteration on
     * WᵀW (with r + 8 vectors, re-orthonormalised each step) until the top r values settle, then the exact SVD of the
     * small projection. W is never decomposed whole, so a 4096 x 4096 weight costs matrix products only.
     */
    static double topSingularValuesNorm(DenseMatrix w, int r, long seed) {
        int k = Math.min(Math.min(w.rows(), w.cols()), r + 8);
        if (k == Math.min(w.rows(), w.cols())) {
            return prefixNorm(ThinSvd.of(w).s(), r); // small enough to decompose exactly
        }
        DenseMatrix q = DenseMatrix.gaussian(w.cols(), k, new Random(seed ^ 0x5DEECE66DL)).orthonormalColumns(); // [in, k]
        DenseMatrix wt = w.transpose();
        double previous = -1;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            q = wt.times(w.times(q)).orthonormalColumns();
            double current = prefixNorm(ThinSvd.of(w.times(q)).s(), r);
            if (Math.abs(current - previous) <= 1e-13 * current) {
                return current;
            }
            previous = current;
        }
        return previous;
    }

    private static double prefixNorm(double[] s, int r) {
        double sum = 0;
        for (int i = 0; i < Math.min(r, s.length); i++) {
            sum += s[i] * s[i];
        }
        return Math.sqrt(sum);
    }
}
