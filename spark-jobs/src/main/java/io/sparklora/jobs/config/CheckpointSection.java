package io.sparklora.jobs.config;

/**
 * @param everyRounds write a resumable checkpoint every this many rounds; 0 turns checkpoints off
 * @param keep        how many of the newest checkpoints to keep; older ones are deleted
 */
public record CheckpointSection(int everyRounds, int keep) {
    public static final int DEFAULT_EVERY_ROUNDS = 25;
    public static final int DEFAULT_KEEP = 2;

    public CheckpointSection {
        Checks.nonNegative("checkpoint.every_rounds", everyRounds);
        Checks.positive("checkpoint.keep", keep);
    }

    public static CheckpointSection defaults() {
        return new CheckpointSection(DEFAULT_EVERY_ROUNDS, DEFAULT_KEEP);
    }
}
