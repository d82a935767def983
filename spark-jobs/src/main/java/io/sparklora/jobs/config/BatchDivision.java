package io.sparklora.jobs.config;

/** The global batch is split evenly over the workers; these messages say which nearby sizes would split. */
final class BatchDivision {
    private BatchDivision() {
    }

    static JobConfigException notMultiple(int batchRows, int workers) {
        if (workers <= 0) {
            return JobConfigException.forKey("distributed.workers", "must be > 0, got " + workers);
        }
        return JobConfigException.about("train.batch_rows", "train.batch_rows (" + batchRows
                + ") must be a multiple of distributed.workers (" + workers + "); use train.batch_rows "
                + nearest(batchRows, workers, 1) + " or change distributed.workers");
    }

    /** For a batch given in tokens: the rows it makes, and the token counts that would divide. */
    static JobConfigException tokensNotMultiple(int batchTokens, int maxSeqLen, int workers) {
        int rows = batchTokens / maxSeqLen;
        return JobConfigException.about("train.batch_tokens", "train.batch_tokens (" + batchTokens
                + ") / data.max_seq_len (" + maxSeqLen + ") gives " + rows + " rows, which is not a positive multiple"
                + " of distributed.workers (" + workers + "); use train.batch_tokens "
                + nearest(rows, workers, maxSeqLen));
    }

    /** The multiples of workers around rows (only the next one up when none lies below), times unit. */
    private static String nearest(int rows, int workers, int unit) {
        long lower = (long) rows / workers * workers;
        long upper = lower + workers;
        return lower > 0 ? lower * unit + " or " + upper * unit : String.valueOf(upper * unit);
    }
}
