package io.sparklora.core.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static io.sparklora.core.engine.VectorMath.F;

/**
 * The engine's element-wise and per-row passes, each fused into one loop over memory in Java's Vector API, on
 * float32 arrays in host memory. ND4J runs every operation as its own pass (an RMSNorm backward is seven) and its
 * exp, sigmoid and tanh are scalar; here a block of each operand is copied into a heap array (the Vector API loads
 * from arrays; the block stays in cache), computed 8 lanes at a time, and copied back once.
 * <p>
 * Called only where {@link Fused#on} allows: the class fails to load in a JVM started without {@code --add-modules
 * jdk.incubator.vector}. Rows are independent, so a row's result never depends on the others or on the thread.
 * Every method takes buffers that start at element 0 of a C-order array ({@link Fused#floats}) and the formulas of
 * the ND4J path it replaces; those are checked against finite differences, these against them
 * ({@code VectorKernelsTest}, {@code FusedStepTest}).
 */
final class VectorKernels {
    private static final int L = F.length();
    /** Elements per block of an element-wise pass: 8 KB an operand, a multiple of every species' length. */
    private static final int BLOCK = 2048;
    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_K = 0.044715f;
    private static final ThreadLocal<Rows> ROWS = ThreadLocal.withInitial(Rows::new);

    private VectorKernels() {
    }

    /** Heap rows a thread reuses, each at least the requested length rounded up to whole vectors. */
    private static final class Rows {
        private final float[][] rows = new float[5][0];

        float[] get(int which, int length) {
            int padded = (length + L - 1) / L * L;
            if (rows[which].length < padded) {
                rows[which] = new float[padded];
            }
            return rows[which];
        }
    }

    /** exp and softmax on a few values against Math.exp: false where the API misbehaves rather than fail a step. */
    static boolean selfCheck() {
        float[] a = new float[2 * L];
        for (int j = 0; j < a.length; j++) {
            a[j] = j - 3.5f;
        }
        float[] e = a.clone();
        softmaxInPlace(e, a.length - 1);
        double sum = 0;
        for (int j = 0; j < a.length - 1; j++) {
            sum += Math.exp(a[j]);
        }
        for (int j = 0; j < a.length - 1; j++) {
            if (Math.abs(e[j] - Math.exp(a[j]) / sum) > 1e-6) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs every kernel on small native buffers until the JIT has compiled it. Until C2 compiles Vector API code,
     * each lane-wise operation allocates its result (about 0.5 GB in a first training step), which grows the Java
     * heap's young generation by hundreds of MB for good; run here on a few floats, the same compilation costs a
     * fraction of that, before the model's arrays exist.
     */
    static void warmUp(int calls) {
        int n = 2 * L + 3;
        int t = L + 3;
        FloatBuffer[] a = new FloatBuffer[6];
        for (int i = 0; i < a.length; i++) {
            a[i] = java.nio.ByteBuffer.allocateDirect(4 * t * t).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            for (int j = 0; j < t * t; j++) {
                a[i].put(j, 0.25f * ((i + j) % 7) - 0.5f);
            }
        }
        int[] targets = {1, -1, 2};
        double[] loss = new double[3];
        for (int c = 0; c < calls; c++) {
            geluTanhForward(a[0], a[1], n);
            geluTanhBackward(a[0], a[3], a[4], n);
            swigluForward(a[0], a[1], a[4], n);
            swigluBackward(a[0], a[1], a[3], a[4], a[2], n);
            layerNormForward(a[0], a[1], a[3], a[4], a[5], a[2], 2, n, 1e-5f);
            layerNormBackwardAdd(a[3], a[1], a[5], a[2], a[4], 2, n);
            rmsNormForward(a[0], a[1], a[4], a[5], a[2], 2, n, 1e-5f);
            rmsNormBackwardAdd(a[3], a[1], a[5], a[2], a[4], 2, n);
            a[4].put(0, a[0], 0, t * t);
            causalSoftmax(a[4], t, t, c % 2 == 0 ? 0 : 3);
            softmaxBackward(a[4], a[5], a[3], t, t, c % 2 == 0);
            a[5].put(0, a[0], 0, 3 * n);
            crossEntropy(a[5], 3, n, targets, 0, loss, c % 2 == 0);
        }
    }

    // ---- activations: forward and backward side by side (Activations has the ND4J path) ----

    // The activations keep nothing for the backward pass but their input: each backward recomputes its σ, a few
    // lane-wise operations where a saved [N, I] array would cost a fifth of a LLaMA layer's saved activations.

    /** GPT-2's gelu_new as y = u·σ(2z), 2z = 2c·(u + k·u³); u, y: n elements. */
    static void geluTanhForward(FloatBuffer u, FloatBuffer y, int n) {
        Rows rows = ROWS.get();
        float[] ua = rows.get(0, BLOCK);
        for (int k = 0; k < n; k += BLOCK) {
            int len = Math.min(BLOCK, n - k);
            u.get(k, ua, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector uv = FloatVector.fromArray(F, ua, j);
                uv.mul(geluSigmoid(uv)).intoArray(ua, j);
            }
            y.put(k, ua, 0, len);
        }
    }

    /** du = dy·(s + 2c·u·s·(1 − s)·(1 + 3k·u²)), s = σ(2z) recomputed from the forward pass's u. */
    static void geluTanhBackward(FloatBuffer u, FloatBuffer dy, FloatBuffer du, int n) {
        Rows rows = ROWS.get();
        float[] ua = rows.get(0, BLOCK);
        float[] ga = rows.get(1, BLOCK);
        for (int k = 0; k < n; k += BLOCK) {
            int len = Math.min(BLOCK, n - k);
            u.get(k, ua, 0, len);
            dy.get(k, ga, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector uv = FloatVector.fromArray(F, ua, j);
                FloatVector sv = geluSigmoid(uv);
                FloatVector slope = uv.mul(uv).mul(3 * GELU_K).add(1f).mul(uv).mul(2 * GELU_C); // 2c·u·(1 + 3k·u²)
                FloatVector local = slope.mul(sv.sub(sv.mul(sv))).add(sv);
                local.mul(FloatVector.fromArray(F, ga, j)).intoArray(ga, j);
            }
            du.put(k, ga, 0, len);
        }
    }

    /** s = σ(2z), 2z = 2c·(u + k·u³): 1 + tanh(z) = 2s, so gelu_new(u) = u·s. */
    private static FloatVector geluSigmoid(FloatVector u) {
        return VectorMath.sigmoid(u.mul(u).mul(2 * GELU_C * GELU_K).add(2 * GELU_C).mul(u));
    }

    /** SwiGLU: y = gate·σ(gate)·up; n elements each. */
    static void swigluForward(FloatBuffer gate, FloatBuffer up, FloatBuffer y, int n) {
        Rows rows = ROWS.get();
        float[] ga = rows.get(0, BLOCK);
        float[] ua = rows.get(1, BLOCK);
        for (int k = 0; k < n; k += BLOCK) {
            int len = Math.min(BLOCK, n - k);
            gate.get(k, ga, 0, len);
            up.get(k, ua, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector g = FloatVector.fromArray(F, ga, j);
                g.mul(VectorMath.sigmoid(g)).mul(FloatVector.fromArray(F, ua, j)).intoArray(ua, j);
            }
            y.put(k, ua, 0, len);
        }
    }

    /** dUp = dy·gate·σ; dGate = dy·up·σ·(1 + gate·(1 − σ)), σ = σ(gate) recomputed from the forward pass's gate. */
    static void swigluBackward(FloatBuffer gate, FloatBuffer up, FloatBuffer dy, FloatBuffer dGate, FloatBuffer dUp,
                               int n) {
        Rows rows = ROWS.get();
        float[] ga = rows.get(0, BLOCK);
        float[] ua = rows.get(1, BLOCK);
        float[] da = rows.get(2, BLOCK);
        for (int k = 0; k < n; k += BLOCK) {
            int len = Math.min(BLOCK, n - k);
            gate.get(k, ga, 0, len);
            up.get(k, ua, 0, len);
            dy.get(k, da, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector g = FloatVector.fromArray(F, ga, j);
                FloatVector sv = VectorMath.sigmoid(g);
                FloatVector d = FloatVector.fromArray(F, da, j);
                FloatVector u = FloatVector.fromArray(F, ua, j);
                FloatVector gs = g.mul(sv);
                gs.mul(d).intoArray(ga, j); // dUp, written over gate's block
                g.sub(gs).add(1f).mul(sv).mul(u).mul(d).intoArray(da, j); // dGate
            }
            dUp.put(k, ga, 0, len);
            dGate.put(k, da, 0, len);
        }
    }

    // ---- norms: forward and backward side by side (LayerNorm, RmsNorm have the ND4J path) ----

    /** LayerNorm over rows of h: x̂ = (x − mean)·rstd, y = x̂·g + b; saves x̂ [rows, h] and rstd [rows]. */
    static void layerNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer b, FloatBuffer y, FloatBuffer xhat,
                                 FloatBuffer rstd, int rowCount, int h, float eps) {
        Rows rows = ROWS.get();
        float[] xa = rows.get(0, h);
        float[] ya = rows.get(1, h);
        float[] ga = rows.get(2, h);
        float[] ba = rows.get(3, h);
        g.get(0, ga, 0, h);
        b.get(0, ba, 0, h);
        int padded = (h + L - 1) / L * L;
        for (int r = 0; r < rowCount; r++) {
            int base = r * h;
            x.get(base, xa, 0, h);
            Arrays.fill(xa, h, padded, 0f);
            float mean = sum(xa, padded) / h;
            FloatVector sq = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector c = FloatVector.fromArray(F, xa, j).sub(mean);
                c.intoArray(xa, j);
                sq = c.fma(c, sq);
            }
            // the zero padding became −mean: take it out of the squares
            float var = (sq.reduceLanes(VectorOperators.ADD) - (padded - h) * mean * mean) / h;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            for (int j = 0; j < padded; j += L) {
                FloatVector xh = FloatVector.fromArray(F, xa, j).mul(rs);
                xh.intoArray(xa, j);
                xh.fma(FloatVector.fromArray(F, ga, j), FloatVector.fromArray(F, ba, j)).intoArray(ya, j);
            }
            xhat.put(base, xa, 0, h);
            y.put(base, ya, 0, h);
            rstd.put(r, rs);
        }
    }

    /** dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g. */
    static void layerNormBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd, FloatBuffer dx,
                                     int rowCount, int h) {
        normBackwardAdd(dy, g, xhat, rstd, dx, rowCount, h, true);
    }

    /** RMSNorm over rows of h: x̂ = x·rstd, rstd = 1/sqrt(mean(x²) + eps), y = x̂·g; saves x̂ and rstd. */
    static void rmsNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer y, FloatBuffer xhat, FloatBuffer rstd,
                               int rowCount, int h, float eps) {
        Rows rows = ROWS.get();
        float[] xa = rows.get(0, h);
        float[] ya = rows.get(1, h);
        float[] ga = rows.get(2, h);
        g.get(0, ga, 0, h);
        int padded = (h + L - 1) / L * L;
        for (int r = 0; r < rowCount; r++) {
            int base = r * h;
            x.get(base, xa, 0, h);
            Arrays.fill(xa, h, padded, 0f);
            FloatVector sq = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector v = FloatVector.fromArray(F, xa, j);
                sq = v.fma(v, sq);
            }
            float rs = (float) (1.0 / Math.sqrt(sq.reduceLanes(VectorOperators.ADD) / h + eps));
            for (int j = 0; j < padded; j += L) {
                FloatVector xh = FloatVector.fromArray(F, xa, j).mul(rs);
                xh.intoArray(xa, j);
                xh.mul(FloatVector.fromArray(F, ga, j)).intoArray(ya, j);
            }
            xhat.put(base, xa, 0, h);
            y.put(base, ya, 0, h);
            rstd.put(r, rs);
        }
    }

    /** dx += rstd·(dx̂ − x̂·mean(dx̂·x̂)), dx̂ = dy·g. */
    static void rmsNormBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd, FloatBuffer dx,
                                   int rowCount, int h) {
        normBackwardAdd(dy, g, xhat, rstd, dx, rowCount, h, false);
    }

    private static void normBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd,
                                        FloatBuffer dx, int rowCount, int h, boolean centred) {
        Rows rows = ROWS.get();
        float[] da = rows.get(0, h);
        float[] xa = rows.get(1, h);
        float[] ga = rows.get(2, h);
        float[] oa = rows.get(3, h);
        g.get(0, ga, 0, h);
        int padded = (h + L - 1) / L * L;
        Arrays.fill(ga, h, padded, 0f);
        for (int r = 0; r < rowCount; r++) {
            int base = r * h;
            dy.get(base, da, 0, h);
            xhat.get(base, xa, 0, h);
            dx.get(base, oa, 0, h);
            Arrays.fill(da, h, padded, 0f); // the rows are shared with other kernels: clear what the means read
            Arrays.fill(xa, h, padded, 0f);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector dxh = FloatVector.fromArray(F, da, j).mul(FloatVector.fromArray(F, ga, j));
                dxh.intoArray(da, j);
                s1 = s1.add(dxh);
                s2 = dxh.fma(FloatVector.fromArray(F, xa, j), s2);
            }
            float m1 = centred ? s1.reduceLanes(VectorOperators.ADD) / h : 0f;
            float m2 = s2.reduceLanes(VectorOperators.ADD) / h;
            float rs = rstd.get(r);
            for (int j = 0; j < padded; j += L) {
                FloatVector t = FloatVector.fromArray(F, xa, j).mul(-m2).add(FloatVector.fromArray(F, da, j)).sub(m1);
                t.mul(rs).add(FloatVector.fromArray(F, oa, j)).intoArray(oa, j);
            }
            dx.put(base, oa, 0, h);
        }
    }

    // ---- softmax rows: attention's forward and backward, the loss ----

    /**
     * Causal softmax in place over scores [rows, t] whose row r is query i = r mod t: keys j ≤ i (and i − j < window
     * when window > 0) get softmax of their scores, the others exactly 0, as adding the mask and ND4J's softmax do.
     */
    static void causalSoftmax(FloatBuffer scores, int rowCount, int t, int window) {
        Rows rows = ROWS.get();
        float[] a = rows.get(0, t);
        float[] out = rows.get(1, t);
        for (int r = 0; r < rowCount; r++) {
            int i = r % t;
            int lo = window > 0 ? Math.max(0, i - window + 1) : 0;
            int len = i + 1 - lo;
            int base = r * t;
            scores.get(base + lo, a, 0, len);
            softmaxInPlace(a, len);
            Arrays.fill(out, 0, lo, 0f);
            System.arraycopy(a, 0, out, lo, len);
            Arrays.fill(out, i + 1, t, 0f);
            scores.put(base, out, 0, t);
        }
    }

    /**
     * The softmax backward in place over dP [rows, t]: dS = P·(dP − r_row). With {@code causal} (row r is query
     * i = r mod t) only keys j ≤ i are read, and the rest of the row is written 0: {@link CausalBlocks} leaves dP
     * unwritten past a block's visible keys.
     */
    static void softmaxBackward(FloatBuffer probs, FloatBuffer dScores, FloatBuffer rowDots, int rowCount, int t,
                                boolean causal) {
        Rows rows = ROWS.get();
        float[] p = rows.get(0, t);
        float[] d = rows.get(1, t);
        for (int r = 0; r < rowCount; r++) {
            int len = causal ? r % t + 1 : t;
            int base = r * t;
            probs.get(base, p, 0, len);
            dScores.get(base, d, 0, len);
            float dot = rowDots.get(r);
            for (int j = 0; j < len; j += L) {
                FloatVector.fromArray(F, d, j).sub(dot).mul(FloatVector.fromArray(F, p, j)).intoArray(d, j);
            }
            Arrays.fill(d, len, t, 0f);
            dScores.put(base, d, 0, t);
        }
    }

    /**
     * Token cross-entropy over logits [rows, vocab]: loss[r] = logsumexp(row) − row[target] (0 where the target is
     * negative, i.e. none). With {@code gradient}, each row is overwritten by softmax − one-hot (zeros where there
     * is no target).
     */
    static void crossEntropy(FloatBuffer logits, int rowCount, int vocab, int[] targets, int targetOffset,
                             double[] loss, boolean gradient) {
        Rows rows = ROWS.get();
        float[] a = rows.get(0, vocab);
        int padded = (vocab + L - 1) / L * L;
        for (int r = 0; r < rowCount; r++) {
            int target = targets[targetOffset + r];
            int base = r * vocab;
            if (target < 0) {
                loss[r] = 0;
                if (gradient) {
                    Arrays.fill(a, 0, vocab, 0f);
                    logits.put(base, a, 0, vocab);
                }
                continue;
            }
            logits.get(base, a, 0, vocab);
            Arrays.fill(a, vocab, padded, Float.NEGATIVE_INFINITY);
            float max = max(a, padded);
            float targetLogit = a[target];
            float total = expInPlace(a, padded, max); // a: the row's exp(x − max), a scratch copy
            loss[r] = max + Math.log(total) - targetLogit;
            if (gradient) {
                float inv = 1f / total;
                for (int j = 0; j < padded; j += L) {
                    FloatVector.fromArray(F, a, j).mul(inv).intoArray(a, j);
                }
                a[target] -= 1f;
                logits.put(base, a, 0, vocab);
            }
        }
    }

    /** Softmax of a[0, len) in place; a must have room for whole vectors past len. */
    private static void softmaxInPlace(float[] a, int len) {
        int padded = (len + L - 1) / L * L;
        Arrays.fill(a, len, padded, Float.NEGATIVE_INFINITY);
        float inv = 1f / expInPlace(a, padded, max(a, padded));
        for (int j = 0; j < padded; j += L) {
            FloatVector.fromArray(F, a, j).mul(inv).intoArray(a, j);
        }
    }

    /**
     * a[j] = exp(a[j] − max) over whole vectors; returns their sum. A small method of its own so that the JIT
     * inlines it, and {@link VectorMath#exp} in it, into each caller: written inline in a larger loop, exp was
     * compiled on its own and ran without intrinsics, allocating every lane-wise result (40 MB a bench-small step).
     */
    private static float expInPlace(float[] a, int padded, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < padded; j += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, a, j).sub(max));
            e.intoArray(a, j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    private static float max(float[] a, int padded) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < padded; j += L) {
            m = m.max(FloatVector.fromArray(F, a, j));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    private static float sum(float[] a, int padded) {
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < padded; j += L) {
            s = s.add(FloatVector.fromArray(F, a, j));
        }
        return s.reduceLanes(VectorOperators.ADD);
    }
}
