package io.sparklora.core.train;

/** Global-norm clipping as torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when norm > maxNorm. */
public final class GradientClipping {
    private GradientClipping() {
    }

    public static double globalNorm(float[] grad) {
        double sum = 0;
        for (float g : grad) {
            sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }

    /** Clips in place; returns the norm before clipping. maxNorm 0 disables clipping. */
    public static double clip(float[] grad, double maxNorm) {
        double norm = globalNorm(grad);
        if (maxNorm > 0 && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (int i = 0; i < grad.length; i++) {
                grad[i] = (float) (grad[i] * scale);
            }
        }
        return norm;
    }
}
