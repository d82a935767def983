package io.sparklora.jobs.train;

import io.sparklora.core.train.RoundContribution;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One shard's part of a synchronous round, keyed by its shard. The driver adds the parts in shard order, always
 * from zero, so the round's float sums do not depend on which task finished first, on retries, on a lost executor
 * or on a resume: the same θ at any width. (Spark's treeAggregate merges partial sums in completion order, which
 * is exact only for two shards, where a + b = b + a.) It is the order the single-JVM trainer adds its shards in.
 */
record ShardContribution(int shard, RoundContribution contribution) implements java.io.Serializable {

    /** zero + shard 0 + shard 1 + ... ; every shard of {@code workers} exactly once. */
    static RoundContribution sumInShardOrder(List<ShardContribution> parts, int workers, int size) {
        List<ShardContribution> ordered = new ArrayList<>(parts);
        ordered.sort(Comparator.comparingInt(ShardContribution::shard));
        if (ordered.size() != workers) {
            throw new IllegalStateException("a round returned " + ordered.size() + " shard results for " + workers + " shards");
        }
        RoundContribution total = RoundContribution.zero(size);
        for (int s = 0; s < workers; s++) {
            ShardContribution part = ordered.get(s);
            if (part.shard() != s) {
                throw new IllegalStateException("a round returned no result for shard " + s + " (shards " + ordered.stream()
                        .map(ShardContribution::shard).toList() + ")");
            }
            total = total.plus(part.contribution());
        }
        return total;
    }
}
