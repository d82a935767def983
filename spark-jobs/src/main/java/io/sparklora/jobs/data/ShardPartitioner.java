package io.sparklora.jobs.data;

import io.sparklora.core.train.ShardSampler;
import org.apache.spark.Partitioner;

/** Sends global row i to partition i mod workers, the same round-robin sharding the single-JVM trainer uses. */
final class ShardPartitioner extends Partitioner {
    private final int workers;

    ShardPartitioner(int workers) {
        this.workers = workers;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        return ShardSampler.shardOf((Long) key, workers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardPartitioner p && p.workers == workers;
    }

    @Override
    public int hashCode() {
        return workers;
    }
}
