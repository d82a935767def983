package io.sparklora.jobs.data;

import java.util.List;

/**
 * All training rows of one worker's shard, in global row order: the one cached block of a partition.
 *
 * @param <R> the rows: a decoder's token rows, or a classifier's labelled examples
 */
public record ShardBlock<R>(int shard, List<R> rows) implements java.io.Serializable {
    public ShardBlock {
        rows = List.copyOf(rows);
    }
}
