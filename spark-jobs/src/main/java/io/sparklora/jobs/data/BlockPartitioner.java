package io.sparklora.jobs.data;

import org.apache.spark.Partitioner;

/**
 * Sends example i to the partition of its packing block, i / blockExamples; each partition holds a contiguous range
 * of blocks, so partitions in index order hold the blocks in order. How many partitions there are only decides how
 * the blocks are grouped into tasks, never what a block holds.
 */
final class BlockPartitioner extends Partitioner {
    private final int blockExamples;
    private final long blocks;
    private final int partitions;

    BlockPartitioner(int blockExamples, long blocks, int partitions) {
        this.blockExamples = blockExamples;
        this.blocks = Math.max(1, blocks);
        this.partitions = Math.max(1, partitions);
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        long block = (Long) key / blockExamples;
        return (int) Math.min(partitions - 1, block * partitions / blocks);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockPartitioner p && p.blockExamples == blockExamples && p.blocks == blocks
                && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(blockExamples, blocks, partitions);
    }
}
