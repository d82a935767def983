package io.sparklora.core.train;

/**
 * The driver's half of a synchronous round: average the summed gradient by the global token count, clip, and take
 * the AdamW step at the scheduled learning rate. Shared by the Spark training master and the single-JVM trainer.
 */
public final class DriverStep {
    private final OptimizerConfig config;
    private final long totalRounds;
    private final AdamW optimizer;

    public DriverStep(OptimizerConfig config, long totalRounds, AdamW optimizer) {
        this.config = config;
        this.totalRounds = totalRounds;
        this.optimizer = optimizer;
    }

    /** Updates θ in place from the round's total contribution (whose gradient array it consumes). */
    public RoundMetrics apply(float[] theta, RoundContribution total, long round) {
        if (total.tokens() <= 0) {
            throw new IllegalStateException("round " + round + " saw no loss tokens; every sampled row was masked out");
        }
        float[] grad = total.gradSum();
        float inv = 1.0f / total.tokens();
        for (int i = 0; i < grad.length; i++) {
            grad[i] *= inv;
        }
        double norm = GradientClipping.clip(grad, config.maxGradNorm());
        double lr = config.schedule().rate(config.learningRate(), round, config.warmupSteps(), totalRounds);
        optimizer.step(theta, grad, lr);
        return new RoundMetrics(round, total.lossSum() / total.tokens(), total.tokens(), norm, lr);
    }

    public AdamW optimizer() {
        return optimizer;
    }
}
