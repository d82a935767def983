package io.sparklora.core.engine;

import io.sparklora.core.model.NativeArrays;
import io.sparklora.core.model.RopeScaling;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * Rotary position embeddings as Hugging Face's LLaMA applies them, in place: x·cos + rotate_half(x)·sin, where
 * rotate_half(x) = cat(−x[D/2:], x[:D/2]) and each frequency is used for both halves. rotate_half is a product
 * with a constant [D, D] signed permutation R (one gemm rather than strided copies of half-rows); backward is the
 * transpose: dx = dy·cos + (dy·sin)·Rᵀ. The frequencies are the checkpoint's, rope_scaling included
 * ({@link RopeScaling#inverseFrequencies}).
 */
final class Rotary {
    private final int headDim;
    private final float[] invFreq; // [D/2], float32 as transformers keeps inv_freq
    private final Buffers tables;
    private final INDArray rotateHalf; // [D, D]: x·R = rotate_half(x)
    private final Map<String, INDArray[]> cache = new HashMap<>();
    private final Map<Integer, HeadLayoutKernels.Rotation> halfTables = new HashMap<>();

    Rotary(int headDim, double theta, RopeScaling scaling, Buffers tables) {
        this.headDim = headDim;
        this.invFreq = scaling.inverseFrequencies(headDim, theta);
        this.tables = tables;
        int half = headDim / 2;
        double[] r = new double[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1; // out[j] = −x[j + D/2]
            r[j * headDim + j + half] = 1; // out[j + D/2] = x[j]
        }
        this.rotateHalf = tables.get("rope.rotate_half", headDim, headDim);
        assign(rotateHalf, r);
    }

    private static void assign(INDArray target, double[] values) {
        INDArray host = Nd4j.create(values, target.shape(), target.dataType());
        target.assign(host);
        NativeArrays.close(host);
    }

    /** cos and sin for positions start … start+T−1, each flattened to [T·D]. */
    private INDArray[] table(int start, int t) {
        return cache.computeIfAbsent(start + ":" + t, k -> {
            int half = headDim / 2;
            double[] cos = new double[t * headDim];
            double[] sin = new double[t * headDim];
            for (int i = 0; i < half; i++) {
                for (int p = 0; p < t; p++) {
                    float angle = (start + p) * invFreq[i]; // float32 position × inv_freq, as transformers' matmul
                    cos[p * headDim + i] = cos[p * headDim + i + half] = Math.cos(angle);
                    sin[p * headDim + i] = sin[p * headDim + i + half] = Math.sin(angle);
                }
            }
            INDArray c = tables.get("rope.cos." + k, (long) t * headDim);
            INDArray s = tables.get("rope.sin." + k, (long) t * headDim);
            assign(c, cos);
            assign(s, sin);
            return new INDArray[] {c, s};
        });
    }

    /** The kernels' tables for positions 0 … T−1: the same angles, float32, one value per frequency. */
    HeadLayoutKernels.Rotation rotation(int t) {
        return halfTables.computeIfAbsent(t, k -> {
            int half = headDim / 2;
            float[] cos = new float[t * half];
            float[] sin = new float[t * half];
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < half; i++) {
                    float angle = p * invFreq[i]; // as table()
                    cos[p * half + i] = (float) Math.cos(angle);
                    sin[p * half + i] = (float) Math.sin(angle);
                }
            }
            return new HeadLayoutKernels.Rotation(cos, sin);
        });
    }

    /** x: [B, heads, T, D], rotated in place for positions start … start+T−1. */
    void forward(INDArray x, int start, Buffers buf) {
        long[] s = x.shape();
        int t = (int) s[2];
        INDArray[] cs = table(start, t);
        INDArray rot = buf.get("scratch.rope", s);
        Ops.gemm(x.reshape(-1, headDim), rotateHalf, rot.reshape(-1, headDim), false, false, 1.0, 0.0);
        x.reshape(s[0] * s[1], (long) t * headDim).muliRowVector(cs[0]); // [B·heads, T·D] · cos
        rot.reshape(s[0] * s[1], (long) t * headDim).muliRowVector(cs[1]);
        x.addi(rot);
    }

    /** dy: [B, heads, T, D] → dx in place. */
    void backward(INDArray dy, int start, Buffers buf) {
        long[] s = dy.shape();
        int t = (int) s[2];
        INDArray[] cs = table(start, t);
        INDArray sinPart = buf.get("scratch.rope", s);
        Ops.mulRow(dy.reshape(s[0] * s[1], (long) t * headDim), cs[1], sinPart.reshape(s[0] * s[1], (long) t * headDim));
        dy.reshape(s[0] * s[1], (long) t * headDim).muliRowVector(cs[0]);
        Ops.gemm(sinPart.reshape(-1, headDim), rotateHalf, dy.reshape(-1, headDim), false, true, 1.0, 1.0); // += ·Rᵀ
    }
}
