package io.sparklora.core.train;

/**
 * How one round's global batch is drawn: every worker (data shard) draws {@code rowsPerWorker} rows and runs them
 * in micro-batches of {@code microBatchRows}. The global batch is workers × rowsPerWorker rows whether the workers
 * are Spark tasks or loops in one JVM.
 */
public record BatchPlan(int workers, int rowsPerWorker, int microBatchRows, long seed) implements java.io.Serializable {
    public static final int DEFAULT_MICRO_BATCH_ROWS = 4;
    public static final long DEFAULT_SEED = 1234;

    public BatchPlan {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be > 0, got " + workers);
        }
        if (rowsPerWorker <= 0) {
            throw new IllegalArgumentException("rows per worker must be > 0, got " + rowsPerWorker
                    + "; the global batch must hold at least one row per worker");
        }
        if (microBatchRows <= 0) {
            throw new IllegalArgumentException("micro_batch_rows must be > 0, got " + microBatchRows);
        }
    }

    /** Splits a global batch of rows evenly over the workers; it must divide. */
    public static BatchPlan ofGlobalBatch(int globalRows, int workers, int microBatchRows, long seed) {
        if (workers <= 0 || globalRows % workers != 0) {
            throw new IllegalArgumentException("batch_rows (" + globalRows + ") must be a multiple of workers (" + workers + ")");
        }
        return new BatchPlan(workers, globalRows / workers, microBatchRows, seed);
    }

    public int globalRows() {
        return workers * rowsPerWorker;
    }
}
