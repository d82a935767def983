package io.sparklora.core.engine;

import io.sparklora.core.engine.VectorKernels.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static io.sparklora.core.engine.VectorKernels.L;
import static io.sparklora.core.engine.VectorKernels.ROWS;
import static io.sparklora.core.engine.VectorKernels.max;
import static io.sparklora.core.engine.VectorMath.F;

/**
 * Softmax rows: causal attention's softmax and its backward, and the loss's logsumexp and softmax − one-hot, one
 * pass over each row in Java's Vector API ({@link VectorKernels} says how and when they run; {@link CausalAttention}
 * and {@link TokenLoss} have the ND4J path).
 */
final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    /**
     * Causal softmax in place over scores [rows, t] (a heap array: attention's per-thread scratch) whose row r is
     * query i = r mod t: keys j ≤ i (and i − j < window when window > 0) get softmax of their scores, the others
     * exactly 0, as adding the mask and ND4J's softmax do. Each row's max and 1/Σexp go to {@code stats} [rows, 2]
     * (when not null), from which {@link #causalProbs} rebuilds the same probabilities bit for bit.
     */
    static void causalSoftmax(float[] scores, int rowCount, int t, int window, FloatBuffer stats) {
        causalRows(scores, rowCount, t, window, stats, false);
    }

    /**
     * The probabilities {@link #causalSoftmax} wrote, again, from the same scores [rows, t] and its {@code stats}:
     * exp(s − max)·(1/Σ) by the same operations, so equal to them bit for bit, without a pass for the max or the sum.
     */
    static void causalProbs(float[] scores, int rowCount, int t, int window, FloatBuffer stats) {
        causalRows(scores, rowCount, t, window, stats, true);
    }

    /**
     * Each row's visible keys [lo, i] are computed where they lie, in whole vectors: the lanes past i are set to −∞
     * first (exp takes them to 0), so a row whose last vector would run past the row's end goes through a copy.
     */
    private static void causalRows(float[] s, int rowCount, int t, int window, FloatBuffer stats, boolean fromStats) {
        float[] spare = null;
        for (int r = 0; r < rowCount; r++) {
            int i = r % t;
            int lo = window > 0 ? Math.max(0, i - window + 1) : 0;
            int len = i + 1 - lo;
            int base = r * t;
            int padded = (len + L - 1) / L * L;
            float[] a = s;
            int from = base + lo;
            if (lo + padded > t) {
                spare = spare != null ? spare : ROWS.get().get(0, t);
                System.arraycopy(s, from, spare, 0, len);
                a = spare;
                from = 0;
            }
            Arrays.fill(a, from + len, from + padded, Float.NEGATIVE_INFINITY);
            if (fromStats) {
                expInPlace(a, from, padded, stats.get(2 * r));
                scale(a, from, padded, stats.get(2 * r + 1));
            } else {
                softmaxInPlace(a, from, padded, stats, r);
            }
            if (a != s) {
                System.arraycopy(a, 0, s, base + lo, len);
            }
            Arrays.fill(s, base, base + lo, 0f);
            Arrays.fill(s, base + i + 1, base + t, 0f);
        }
    }

    /**
     * The causal softmax backward in place over dP [rows, t] (heap arrays, as {@link #causalSoftmax}'s): row r is
     * query i = r mod t, only keys j ≤ i are read, dS = P·(dP − r_row) is written there and 0 over the rest of the
     * row (dP past a block's visible keys is never written), r_row from {@code rowDots} or, where that is null,
     * Σ_j P·dP over the row. The same operations as {@link #softmaxBackward}, so the same bits.
     */
    static void causalSoftmaxBackward(float[] p, float[] dScores, FloatBuffer rowDots, int rowCount, int t) {
        for (int r = 0; r < rowCount; r++) {
            int len = r % t + 1;
            int base = r * t;
            int padded = (len + L - 1) / L * L;
            if (padded > t) { // the row's last vector would run past its end: through a copy of the row
                Rows rows = ROWS.get();
                backwardRow(FloatBuffer.wrap(p), FloatBuffer.wrap(dScores), rowDots, r, t, len, rows.get(0, t),
                        rows.get(1, t));
                continue;
            }
            Arrays.fill(dScores, base + len, base + padded, 0f); // P is 0 there (causalSoftmax wrote it)
            float dot = rowDots != null ? rowDots.get(r) : dot(p, dScores, base, padded);
            for (int j = 0; j < padded; j += L) {
                FloatVector.fromArray(F, dScores, base + j).sub(dot).mul(FloatVector.fromArray(F, p, base + j))
                        .intoArray(dScores, base + j);
            }
            Arrays.fill(dScores, base + len, base + t, 0f);
        }
    }

    /**
     * The softmax backward in place over dP [rows, t], every key of every row (the ND4J attention path's P):
     * dS = P·(dP − r_row), r_row from {@code rowDots} or, where that is null, Σ_j P·dP over the row.
     */
    static void softmaxBackward(FloatBuffer probs, FloatBuffer dScores, FloatBuffer rowDots, int rowCount, int t) {
        Rows rows = ROWS.get();
        float[] p = rows.get(0, t);
        float[] d = rows.get(1, t);
        for (int r = 0; r < rowCount; r++) {
            backwardRow(probs, dScores, rowDots, r, t, t, p, d);
        }
    }

    /** Row r of {@link #softmaxBackward} over its first len keys, through the row copies p and d. */
    private static void backwardRow(FloatBuffer probs, FloatBuffer dScores, FloatBuffer rowDots, int r, int t, int len,
                                    float[] p, float[] d) {
        int base = r * t;
        probs.get(base, p, 0, len);
        dScores.get(base, d, 0, len);
        int padded = (len + L - 1) / L * L;
        Arrays.fill(p, len, padded, 0f);
        Arrays.fill(d, len, padded, 0f);
        float dot = rowDots != null ? rowDots.get(r) : dot(p, d, 0, padded);
        for (int j = 0; j < len; j += L) {
            FloatVector.fromArray(F, d, j).sub(dot).mul(FloatVector.fromArray(F, p, j)).intoArray(d, j);
        }
        Arrays.fill(d, len, t, 0f);
        dScores.put(base, d, 0, t);
    }

    /** Σ_j p[j]·d[j] over j in [from, from + padded), in whole vectors, in lane order. */
    private static float dot(float[] p, float[] d, int from, int padded) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = from; j < from + padded; j += L) {
            acc = FloatVector.fromArray(F, p, j).fma(FloatVector.fromArray(F, d, j), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Token cross-entropy over logits [rows, vocab]: loss[r] = logsumexp(row) − row[target] (0 where the target is
     * negative, i.e. none). With {@code gradient}, each row is overwritten by softmax − one-hot (zeros where there
     * is no target).
     */
    static void crossEntropy(FloatBuffer logits, int rowCount, int vocab, int[] targets, int targetOffset,
                             double[] loss, boolean gradient) {
        // One call per row: a compiled loop that meets a shape its profile did not (a first step's longer rows)
        // falls back to the interpreter for the rest of its call, which here is one row, not all of a chunk's
        // (bench-small's first step boxed 57-87 MB of lane-wise results in this kernel when the loop was here).
        // The rows run on the engine's threads, each whole on one.
        EngineThreads.forEach(rowCount,
                r -> loss[r] = crossEntropyRow(logits, r * vocab, vocab, targets[targetOffset + r], gradient));
    }

    /** One row of {@link #crossEntropy} at {@code base}: its loss, and softmax − one-hot over it with gradient. */
    private static double crossEntropyRow(FloatBuffer logits, int base, int vocab, int target, boolean gradient) {
        Rows rows = ROWS.get();
        float[] a = rows.get(0, vocab);
        int padded = (vocab + L - 1) / L * L;
        if (target < 0) {
            if (gradient) {
                Arrays.fill(a, 0, vocab, 0f);
                logits.put(base, a, 0, vocab);
            }
            return 0;
        }
        logits.get(base, a, 0, vocab);
        Arrays.fill(a, vocab, padded, Float.NEGATIVE_INFINITY);
        float max = max(a, 0, padded);
        float targetLogit = a[target];
        float total = expInPlace(a, 0, padded, max); // a: the row's exp(x − max), a scratch copy
        if (gradient) {
            float inv = 1f / total;
            for (int j = 0; j < padded; j += L) {
                FloatVector.fromArray(F, a, j).mul(inv).intoArray(a, j);
            }
            a[target] -= 1f;
            logits.put(base, a, 0, vocab);
        }
        return max + Math.log(total) - targetLogit;
    }

    /** Softmax of a[0, len) in place; a must have room for whole vectors past len. */
    static void softmaxInPlace(float[] a, int len) {
        int padded = (len + L - 1) / L * L;
        Arrays.fill(a, len, padded, Float.NEGATIVE_INFINITY);
        softmaxInPlace(a, 0, padded, null, 0);
    }

    /**
     * Softmax of a[from, from + padded) in place, whole vectors whose lanes past the row hold −∞; the row's max and
     * 1/Σ go to stats[2r, 2r + 1] when not null.
     */
    private static void softmaxInPlace(float[] a, int from, int padded, FloatBuffer stats, int r) {
        float max = max(a, from, padded);
        float inv = 1f / expInPlace(a, from, padded, max);
        if (stats != null) {
            stats.put(2 * r, max);
            stats.put(2 * r + 1, inv);
        }
        scale(a, from, padded, inv);
    }

    private static void scale(float[] a, int from, int padded, float factor) {
        for (int j = from; j < from + padded; j += L) {
            FloatVector.fromArray(F, a, j).mul(factor).intoArray(a, j);
        }
    }

    /**
     * a[j] = exp(a[j] − max) over whole vectors from {@code from}; returns their sum. A small method of its own so
     * that the JIT inlines it, and {@link VectorMath#exp} in it, into each caller: written inline in a larger loop,
     * exp was compiled on its own and ran without intrinsics, allocating every lane-wise result (40 MB a
     * bench-small step).
     */
    private static float expInPlace(float[] a, int from, int padded, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = from; j < from + padded; j += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, a, j).sub(max));
            e.intoArray(a, j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
