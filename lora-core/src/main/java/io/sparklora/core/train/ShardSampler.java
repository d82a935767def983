package io.sparklora.core.train;

import java.util.SplittableRandom;

/**
 * Which rows of its shard a worker trains on in a round: a pure function of (seed, shard, round), so a retried
 * Spark task, a resumed driver and the single-JVM trainer all draw the same rows. Each shard is walked through a
 * fresh seeded permutation per epoch (sampling without replacement within an epoch).
 */
public final class ShardSampler {
    private ShardSampler() {
    }

    /** The shard of row {@code globalIndex} among {@code workers}: round-robin, so shards differ by at most one row. */
    public static int shardOf(long globalIndex, int workers) {
        if (workers <= 0 || globalIndex < 0) {
            throw new IllegalArgumentException("need workers > 0 and a row index >= 0, got " + workers + " and " + globalIndex);
        }
        return (int) (globalIndex % workers);
    }

    public static int[] rowsForRound(long seed, int shard, long round, int shardSize, int rowsPerRound) {
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shard " + shard + " holds no rows; the dataset needs at least one row per worker");
        }
        if (rowsPerRound <= 0) {
            throw new IllegalArgumentException("rows per round must be > 0, got " + rowsPerRound);
        }
        int[] out = new int[rowsPerRound];
        long epoch = -1;
        int[] permutation = null;
        for (int j = 0; j < rowsPerRound; j++) {
            long position = round * rowsPerRound + j;
            long e = position / shardSize;
            if (e != epoch) {
                epoch = e;
                permutation = permutation(seed, shard, epoch, shardSize);
            }
            out[j] = permutation[(int) (position % shardSize)];
        }
        return out;
    }

    static int[] permutation(long seed, int shard, long epoch, int n) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, shard, epoch));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[k];
            p[k] = tmp;
        }
        return p;
    }
}
