package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rotary position embeddings as Hugging Face's LLaMA applies them: x·cos + rotate_half(x)·sin, where
 * rotate_half(x) = cat(-x[D/2:], x[:D/2]) and the frequencies are duplicated across both halves.
 */
final class Rotary {
    private final SDVariable cos; // [T, D]
    private final SDVariable sin; // [T, D]
    private final SDVariable rotateHalf; // [D, D]: x·R = rotate_half(x)
    private final int headDim;

    Rotary(GraphContext g, int headDim, double theta) {
        this.headDim = headDim;
        int t = g.seqLen();
        int half = headDim / 2;
        double[] cosTable = new double[t * headDim];
        double[] sinTable = new double[t * headDim];
        for (int i = 0; i < half; i++) {
            // inv_freq computed in float32 as transformers does, so positions agree to the last bit it can.
            float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            for (int pos = 0; pos < t; pos++) {
                float angle = pos * invFreq;
                cosTable[pos * headDim + i] = cosTable[pos * headDim + i + half] = Math.cos(angle);
                sinTable[pos * headDim + i] = sinTable[pos * headDim + i + half] = Math.sin(angle);
            }
        }
        double[] r = new double[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1; // out[j] = -x[j + D/2]
            r[j * headDim + j + half] = 1; // out[j + D/2] = x[j]
        }
        this.cos = g.sd.constant("rope_cos", table(cosTable, t, headDim, g));
        this.sin = g.sd.constant("rope_sin", table(sinTable, t, headDim, g));
        this.rotateHalf = g.sd.constant("rope_rotate_half", table(r, headDim, headDim, g));
    }

    private static INDArray table(double[] values, int rows, int cols, GraphContext g) {
        return Nd4j.createFromArray(values).reshape(rows, cols).castTo(g.spec.dtype());
    }

    /** x: [B, heads, T, D] → same shape, rotated by position. */
    SDVariable apply(GraphContext g, SDVariable x, int heads) {
        SDVariable flat = x.reshape(-1, headDim); // [B*heads*T, D]
        SDVariable rotated = g.sd.mmul(flat, rotateHalf).reshape(-1, heads, g.seqLen(), headDim); // [B, heads, T, D]
        return x.mul(cos).add(rotated.mul(sin)); // [T, D] broadcasts over [B, heads]
    }
}
