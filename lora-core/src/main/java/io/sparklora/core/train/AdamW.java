package io.sparklora.core.train;

/**
 * AdamW with decoupled weight decay, exactly as torch.optim.AdamW: θ ← θ·(1 − lr·wd), then the bias-corrected
 * Adam step. State is two moments the size of θ: for LoRA, a few MB, held only by the driver.
 */
public final class AdamW {
    private final OptimizerConfig config;
    private final float[] m;
    private final float[] v;
    private long step;

    public AdamW(OptimizerConfig config, int size) {
        this(config, new AdamWState(0, new float[size], new float[size]));
    }

    public AdamW(OptimizerConfig config, AdamWState state) {
        this.config = config;
        this.m = state.firstMoment().clone();
        this.v = state.secondMoment().clone();
        this.step = state.step();
    }

    /** Updates θ in place with gradient g at learning rate lr. */
    public void step(float[] theta, float[] grad, double lr) {
        if (theta.length != m.length || grad.length != m.length) {
            throw new IllegalArgumentException("AdamW holds " + m.length + " moments, got θ of " + theta.length
                    + " and a gradient of " + grad.length);
        }
        step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double correction1 = 1 - Math.pow(b1, step);
        double correction2 = 1 - Math.pow(b2, step);
        double decay = 1 - lr * config.weightDecay();
        for (int i = 0; i < theta.length; i++) {
            double g = grad[i];
            double mi = b1 * m[i] + (1 - b1) * g;
            double vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float) mi;
            v[i] = (float) vi;
            double update = (mi / correction1) / (Math.sqrt(vi / correction2) + config.epsilon());
            theta[i] = (float) (theta[i] * decay - lr * update);
        }
    }

    public AdamWState state() {
        return new AdamWState(step, m.clone(), v.clone());
    }

    public long stepCount() {
        return step;
    }
}
