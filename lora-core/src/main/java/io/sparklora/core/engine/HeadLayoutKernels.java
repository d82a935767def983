package io.sparklora.core.engine;

import io.sparklora.core.engine.VectorKernels.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

import static io.sparklora.core.engine.VectorKernels.L;
import static io.sparklora.core.engine.VectorKernels.ROWS;
import static io.sparklora.core.engine.VectorMath.F;

/**
 * Causal attention's layout changes on the CPU, one pass each: the projections' token-major rows [B, T, heads, D]
 * (a view: GPT-2's q, k and v share one [N, 3·d] row) to the head-major [B, heads, T, D] that {@link CausalBlocks}
 * multiplies, and back, rotating each row by its position on the way (rotary embeddings, {@link Rotary}'s formula)
 * and, for the backward pass's dO, taking each row's dot product with the forward output.
 * <p>
 * They replace ND4J's permute-and-assign copies (a strided loop each), the rotary passes (a product with a
 * permutation, two broadcast products and a sum) and the row dots' product and sum: 24 passes over [N, d] per
 * layer and step become 8. The units, one (batch row, head) each, run on {@link EngineThreads}; a row's result does
 * not depend on the thread. Called only where {@link Fused} allows; {@link CausalAttention} has the ND4J path.
 * <p>
 * Rotation of a row x = [x1, x2] (halves of D/2) at position p, with c, s the cos and sin of p·θ_i:
 * [x1·c − x2·s, x2·c + x1·s]; its transpose, for the backward pass, is the same with −s.
 */
final class HeadLayoutKernels {
    private HeadLayoutKernels() {
    }

    /** Whether a token-major [B, T, heads, D] array suits these kernels: float32, each row of D adjacent. */
    static boolean accepts(INDArray... tokenMajor) {
        for (INDArray a : tokenMajor) {
            if (a.dataType() != DataType.FLOAT || a.rank() != 4 || a.stride(3) != 1 || span(a) > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /**
     * tokens [B, T, H, D] → heads [B, H, T, D] (C-order), each row rotated by its position where {@code rotation}
     * is not null.
     */
    static void toHeads(INDArray tokens, INDArray heads, Rotation rotation) {
        Strides s = new Strides(tokens);
        FloatBuffer from = floats(tokens);
        FloatBuffer to = Fused.floats(heads);
        EngineThreads.forEach(s.units(), u -> toHeads(from, s, to, u, rotation));
    }

    /**
     * heads [B, H, T, D] (C-order) → tokens [B, T, H, D], each row rotated back (the transpose) where
     * {@code rotation} is not null.
     */
    static void fromHeads(INDArray heads, INDArray tokens, Rotation rotation) {
        Strides s = new Strides(tokens);
        FloatBuffer from = Fused.floats(heads);
        FloatBuffer to = floats(tokens);
        EngineThreads.forEach(s.units(), u -> fromHeads(from, to, s, u, rotation));
    }

    /**
     * dOut [B, T, H, D] → dHeads [B, H, T, D] (C-order), and dots [B, H, T] (C-order) = each row's dO·O with the
     * forward output {@code out} [B, T, H, D] (laid out as dOut).
     */
    static void toHeadsWithDots(INDArray dOut, INDArray out, INDArray dHeads, INDArray dots) {
        Strides s = new Strides(dOut);
        if (!java.util.Arrays.equals(dOut.stride(), out.stride()) || !java.util.Arrays.equals(dOut.shape(), out.shape())) {
            throw new IllegalArgumentException("dOut and out must have one layout");
        }
        FloatBuffer d = floats(dOut);
        FloatBuffer o = floats(out);
        FloatBuffer to = Fused.floats(dHeads);
        FloatBuffer r = Fused.floats(dots);
        EngineThreads.forEach(s.units(), u -> toHeadsWithDots(d, o, s, to, r, u));
    }

    /** Rotary tables for positions 0 … T−1: cos and sin of p·θ_i at [p·D/2 + i]. */
    record Rotation(float[] cos, float[] sin) {
    }

    /** Where row (unit u = b·H + h, position p) of a token-major array starts, and the shape. */
    record Strides(int batch, int heads, int t, int d, int batchStride, int tokenStride, int headStride) {
        Strides(INDArray a) {
            this((int) a.size(0), (int) a.size(2), (int) a.size(1), (int) a.size(3), (int) a.stride(0),
                    (int) a.stride(1), (int) a.stride(2));
        }

        int units() {
            return batch * heads;
        }

        int tokenRow(int u, int p) {
            return u / heads * batchStride + p * tokenStride + u % heads * headStride;
        }

        int headRow(int u, int p) {
            return (u * t + p) * d;
        }
    }

    static void toHeads(FloatBuffer tokens, Strides s, FloatBuffer heads, int u, Rotation rotation) {
        int d = s.d();
        if (rotation == null) {
            for (int p = 0; p < s.t(); p++) {
                heads.put(s.headRow(u, p), tokens, s.tokenRow(u, p), d);
            }
            return;
        }
        Rows rows = ROWS.get();
        float[] x = rows.get(0, d);
        float[] y = rows.get(1, d);
        for (int p = 0; p < s.t(); p++) {
            tokens.get(s.tokenRow(u, p), x, 0, d);
            rotate(x, y, d / 2, rotation, p, 1f);
            heads.put(s.headRow(u, p), y, 0, d);
        }
    }

    static void fromHeads(FloatBuffer heads, FloatBuffer tokens, Strides s, int u, Rotation rotation) {
        int d = s.d();
        if (rotation == null) {
            for (int p = 0; p < s.t(); p++) {
                tokens.put(s.tokenRow(u, p), heads, s.headRow(u, p), d);
            }
            return;
        }
        Rows rows = ROWS.get();
        float[] x = rows.get(0, d);
        float[] y = rows.get(1, d);
        for (int p = 0; p < s.t(); p++) {
            heads.get(s.headRow(u, p), x, 0, d);
            rotate(x, y, d / 2, rotation, p, -1f);
            tokens.put(s.tokenRow(u, p), y, 0, d);
        }
    }

    static void toHeadsWithDots(FloatBuffer dOut, FloatBuffer out, Strides s, FloatBuffer dHeads, FloatBuffer dots,
                                int u) {
        int d = s.d();
        Rows rows = ROWS.get();
        float[] g = rows.get(0, d);
        float[] o = rows.get(1, d);
        int bound = F.loopBound(d);
        for (int p = 0; p < s.t(); p++) {
            int row = s.tokenRow(u, p);
            dOut.get(row, g, 0, d);
            out.get(row, o, 0, d);
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (; j < bound; j += L) {
                acc = FloatVector.fromArray(F, g, j).fma(FloatVector.fromArray(F, o, j), acc);
            }
            float dot = acc.reduceLanes(VectorOperators.ADD);
            for (; j < d; j++) {
                dot += g[j] * o[j];
            }
            dHeads.put(s.headRow(u, p), g, 0, d);
            dots.put(u * s.t() + p, dot);
        }
    }

    /** y = x rotated at position p: [x1·c − σ·x2·s, x2·c + σ·x1·s] with σ = ±1. */
    private static void rotate(float[] x, float[] y, int half, Rotation rotation, int p, float sign) {
        float[] cos = rotation.cos();
        float[] sin = rotation.sin();
        int at = p * half;
        int i = 0;
        for (int bound = F.loopBound(half); i < bound; i += L) {
            FloatVector x1 = FloatVector.fromArray(F, x, i);
            FloatVector x2 = FloatVector.fromArray(F, x, i + half);
            FloatVector c = FloatVector.fromArray(F, cos, at + i);
            FloatVector s = FloatVector.fromArray(F, sin, at + i).mul(sign);
            x1.mul(c).sub(x2.mul(s)).intoArray(y, i);
            x2.mul(c).add(x1.mul(s)).intoArray(y, i + half);
        }
        for (; i < half; i++) {
            float c = cos[at + i];
            float s = sin[at + i] * sign;
            y[i] = x[i] * c - x[i + half] * s;
            y[i + half] = x[i + half] * c + x[i] * s;
        }
    }

    /** The memory a token-major view spans, from its first element to its last. */
    private static long span(INDArray a) {
        long last = 0;
        for (int i = 0; i < a.rank(); i++) {
            last += (a.size(i) - 1) * a.stride(i);
        }
        return last + 1;
    }

    /** A strided view's memory from its first element: ND4J's buffer of a view already starts there. */
    private static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(span(a)).asBuffer();
    }
}
