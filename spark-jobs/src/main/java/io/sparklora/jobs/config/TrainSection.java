package io.sparklora.jobs.config;

import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.OptimizerConfig;

/**
 * How long and how the adapter is trained. Optimizer defaults come from {@link OptimizerConfig}, batch defaults from
 * {@link BatchPlan}.
 *
 * @param batchRows      global rows per round, over all workers (the job file may give train.batch_tokens instead)
 * @param microBatchRows rows per forward/backward pass on a worker; bounds memory, not the result
 * @param rounds         rounds to train; 0 when {@code epochs} is set
 * @param epochs         passes over the training data; 0 when {@code rounds} is set
 * @param seed           seed of the per-round row sampling
 * @param activationCheckpointing recompute each layer's forward pass during the backward pass: activation memory
 *                       of one layer instead of all, for about a third more compute; the result is identical
 */
public record TrainSection(int batchRows, int microBatchRows, int rounds, double epochs, double learningRate,
                           LrSchedule schedule, long warmupSteps, double weightDecay, double maxGradNorm,
                           double adamBeta1, double adamBeta2, double adamEpsilon, long seed, NanPolicy nanPolicy,
                           boolean activationCheckpointing) {
    public static final int DEFAULT_BATCH_ROWS = 16;
    public static final int DEFAULT_ROUNDS = 100;
    public static final NanPolicy DEFAULT_NAN_POLICY = NanPolicy.STOP;
    public static final boolean DEFAULT_ACTIVATION_CHECKPOINTING = false;

    public TrainSection {
        Checks.positive("train.batch_rows", batchRows);
        Checks.positive("train.micro_batch_rows", microBatchRows);
        Checks.nonNegative("train.rounds", rounds);
        Checks.nonNegative("train.epochs", epochs);
        if (rounds > 0 && epochs > 0) {
            throw JobConfigException.about("train.epochs", "set train.rounds or train.epochs, not both (got rounds "
                    + rounds + " and epochs " + epochs + ")");
        }
        if (rounds == 0 && epochs == 0) {
            throw JobConfigException.about("train.rounds", "set train.rounds or train.epochs to a value > 0");
        }
        Checks.positive("train.learning_rate", learningRate);
        Checks.notNull("train.schedule", schedule);
        Checks.nonNegative("train.warmup_steps", warmupSteps);
        Checks.nonNegative("train.weight_decay", weightDecay);
        Checks.nonNegative("train.max_grad_norm", maxGradNorm);
        Checks.inRange("train.adam_beta1", adamBeta1, 0.0, 1.0, true);
        Checks.inRange("train.adam_beta2", adamBeta2, 0.0, 1.0, true);
        Checks.positive("train.adam_epsilon", adamEpsilon);
        Checks.notNull("train.nan_policy", nanPolicy);
    }

    /** Every default, training for {@link #DEFAULT_ROUNDS} rounds. */
    public static TrainSection defaults() {
        return new TrainSection(DEFAULT_BATCH_ROWS, BatchPlan.DEFAULT_MICRO_BATCH_ROWS, DEFAULT_ROUNDS, 0,
                OptimizerConfig.DEFAULT_LEARNING_RATE, OptimizerConfig.DEFAULT_SCHEDULE,
                OptimizerConfig.DEFAULT_WARMUP_STEPS, OptimizerConfig.DEFAULT_WEIGHT_DECAY,
                OptimizerConfig.DEFAULT_MAX_GRAD_NORM, OptimizerConfig.DEFAULT_BETA1, OptimizerConfig.DEFAULT_BETA2,
                OptimizerConfig.DEFAULT_EPSILON, BatchPlan.DEFAULT_SEED, DEFAULT_NAN_POLICY,
                DEFAULT_ACTIVATION_CHECKPOINTING);
    }

    /** True when the length is given in epochs (turned into rounds once the data size is known). */
    public boolean byEpochs() {
        return epochs > 0;
    }

    public OptimizerConfig optimizer() {
        return new OptimizerConfig(learningRate, weightDecay, adamBeta1, adamBeta2, adamEpsilon, schedule, warmupSteps,
                maxGradNorm);
    }

    /** The per-worker split of the global batch; batchRows must be a multiple of workers. */
    public BatchPlan batchPlan(int workers) {
        if (workers <= 0 || batchRows % workers != 0) {
            throw BatchDivision.notMultiple(batchRows, workers);
        }
        return BatchPlan.ofGlobalBatch(batchRows, workers, microBatchRows, seed);
    }
}
