package io.sparklora.jobs.config;

/**
 * @param workers   data shards trained in parallel each round (Spark tasks)
 * @param averaging what the workers' results are averaged as
 * @param syncEvery local steps between parameter averages; used only with {@link Averaging#PARAMETER}
 */
public record DistributedSection(int workers, Averaging averaging, int syncEvery) {
    public static final int DEFAULT_WORKERS = 2;
    public static final Averaging DEFAULT_AVERAGING = Averaging.GRADIENT;
    public static final int DEFAULT_SYNC_EVERY = 4;

    public DistributedSection {
        Checks.positive("distributed.workers", workers);
        Checks.notNull("distributed.averaging", averaging);
        Checks.positive("distributed.sync_every", syncEvery);
    }

    public static DistributedSection defaults() {
        return new DistributedSection(DEFAULT_WORKERS, DEFAULT_AVERAGING, DEFAULT_SYNC_EVERY);
    }
}
