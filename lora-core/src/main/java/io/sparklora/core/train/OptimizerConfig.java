package io.sparklora.core.train;

/**
 * AdamW and schedule settings; PyTorch / Hugging Face Trainer defaults live here and nowhere else.
 *
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping
 */
public record OptimizerConfig(double learningRate, double weightDecay, double beta1, double beta2, double epsilon,
                              LrSchedule schedule, long warmupSteps, double maxGradNorm)
        implements java.io.Serializable {
    public static final double DEFAULT_LEARNING_RATE = 2e-4;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final LrSchedule DEFAULT_SCHEDULE = LrSchedule.LINEAR;
    public static final long DEFAULT_WARMUP_STEPS = 0;
    public static final double DEFAULT_MAX_GRAD_NORM = 1.0;

    public OptimizerConfig {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("adam epsilon must be > 0, got " + epsilon);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup_steps must be >= 0, got " + warmupSteps);
        }
        if (!(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("max_grad_norm must be >= 0 (0 disables clipping), got " + maxGradNorm);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("schedule must be one of constant, linear, cosine");
        }
    }

    public static OptimizerConfig defaults() {
        return new OptimizerConfig(DEFAULT_LEARNING_RATE, DEFAULT_WEIGHT_DECAY, DEFAULT_BETA1, DEFAULT_BETA2,
                DEFAULT_EPSILON, DEFAULT_SCHEDULE, DEFAULT_WARMUP_STEPS, DEFAULT_MAX_GRAD_NORM);
    }

    public OptimizerConfig withLearningRate(double lr) {
        return new OptimizerConfig(lr, weightDecay, beta1, beta2, epsilon, schedule, warmupSteps, maxGradNorm);
    }

    public OptimizerConfig withSchedule(LrSchedule s, long warmup) {
        return new OptimizerConfig(learningRate, weightDecay, beta1, beta2, epsilon, s, warmup, maxGradNorm);
    }

    public OptimizerConfig withWeightDecay(double wd) {
        return new OptimizerConfig(learningRate, wd, beta1, beta2, epsilon, schedule, warmupSteps, maxGradNorm);
    }

    public OptimizerConfig withMaxGradNorm(double norm) {
        return new OptimizerConfig(learningRate, weightDecay, beta1, beta2, epsilon, schedule, warmupSteps, norm);
    }
}
