package io.sparklora.jobs.data;

import io.sparklora.core.text.TrainingRow;

import java.util.List;

/** All training rows of one worker's shard, in global row order: the one cached block of a partition. */
public record ShardBlock(int shard, List<TrainingRow> rows) implements java.io.Serializable {
    public ShardBlock {
        rows = List.copyOf(rows);
    }
}
