package io.sparklora.core.engine;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.RopeScaling;

import java.util.function.BiFunction;

/**
 * transformers' rope init functions ({@code modeling_rope_utils.py}: default, linear, llama3) transcribed line by
 * line as whole-tensor operations over float32 arrays, independently of the engine's {@link RopeScaling}. Each
 * tensor op rounds once to float32, a Python scalar meets a float32 tensor as a float32, and
 * {@code scalar / tensor} is {@code tensor.reciprocal() * scalar} (torch's {@code __rtruediv__}).
 */
final class HfRope {
    private HfRope() {
    }

    /** inv_freq [head_dim / 2] for the config's rope_theta and rope_scaling. */
    static float[] invFreq(ModelConfig c) {
        int dim = c.headDim();
        // inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype=torch.float) / dim))
        float[] arange = new float[dim / 2];
        for (int i = 0; i < arange.length; i++) {
            arange[i] = 2 * i;
        }
        float[] exponent = op(arange, (a, unused) -> a / (float) dim);
        float[] powers = op(exponent, (e, unused) -> (float) Math.pow((float) c.ropeTheta(), e));
        float[] invFreq = times(reciprocal(powers), 1.0f);
        RopeScaling s = c.ropeScaling();
        return switch (s.type()) {
            case NONE -> invFreq;
            case LINEAR -> op(invFreq, (x, unused) -> x / (float) s.factor()); // inv_freq /= factor
            case LLAMA3 -> llama3(invFreq, s.factor(), s.lowFreqFactor(), s.highFreqFactor(), s.originalMaxPositions());
        };
    }

    /** _compute_llama3_parameters after the default inv_freq. */
    private static float[] llama3(float[] invFreq, double factor, double lowFreqFactor, double highFreqFactor, int oldContextLen) {
        double lowFreqWavelen = oldContextLen / lowFreqFactor; // Python floats
        double highFreqWavelen = oldContextLen / highFreqFactor;

        float[] wavelen = times(reciprocal(invFreq), (float) (2 * Math.PI)); // 2 * math.pi / inv_freq
        // inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        float[] invFreqLlama = where(gt(wavelen, (float) lowFreqWavelen), op(invFreq, (x, u) -> x / (float) factor), invFreq);
        // smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        float[] smoothFactor = op(op(times(reciprocal(wavelen), (float) oldContextLen), (x, u) -> x - (float) lowFreqFactor),
                (x, u) -> x / (float) (highFreqFactor - lowFreqFactor));
        // smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        float[] oneMinus = op(smoothFactor, (x, u) -> 1.0f - x);
        float[] left = op(zip(oneMinus, invFreqLlama, (a, b) -> a * b), (x, u) -> x / (float) factor);
        float[] smoothed = zip(left, zip(smoothFactor, invFreqLlama, (a, b) -> a * b), Float::sum);
        // is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        boolean[] medium = new boolean[wavelen.length];
        for (int i = 0; i < medium.length; i++) {
            medium[i] = !(wavelen[i] < (float) highFreqWavelen) && !(wavelen[i] > (float) lowFreqWavelen);
        }
        return where(medium, smoothed, invFreqLlama);
    }

    private static float[] op(float[] x, BiFunction<Float, Void, Float> f) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = f.apply(x[i], null);
        }
        return y;
    }

    private static float[] zip(float[] a, float[] b, BiFunction<Float, Float, Float> f) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = f.apply(a[i], b[i]);
        }
        return y;
    }

    private static float[] reciprocal(float[] x) {
        return op(x, (v, u) -> 1.0f / v);
    }

    private static float[] times(float[] x, float scalar) {
        return op(x, (v, u) -> v * scalar);
    }

    private static boolean[] gt(float[] x, float scalar) {
        boolean[] y = new boolean[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] > scalar;
        }
        return y;
    }

    private static float[] where(boolean[] condition, float[] a, float[] b) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = condition[i] ? a[i] : b[i];
        }
        return y;
    }
}
