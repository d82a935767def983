package io.sparklora.jobs.config;

/**
 * @param everyRounds evaluate every this many rounds; 0 evaluates only before the first and after the last round
 * @param maxRows     validation rows per evaluation, bounding its cost
 */
public record EvalSection(int everyRounds, int maxRows) {
    public static final int DEFAULT_EVERY_ROUNDS = 0;
    public static final int DEFAULT_MAX_ROWS = 256;

    public EvalSection {
        Checks.nonNegative("eval.every_rounds", everyRounds);
        Checks.positive("eval.max_rows", maxRows);
    }

    public static EvalSection defaults() {
        return new EvalSection(DEFAULT_EVERY_ROUNDS, DEFAULT_MAX_ROWS);
    }
}
