package io.sparklora.jobs.data;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Turns numbered rows into one cached block per worker: row i goes to shard i mod workers, ordered by i. The numbers
 * are the rows' global order ({@link BlockRows}), so the layout is the same on every cluster and a retried task, a
 * resumed run and the single-JVM trainer all see the same shards. Rounds only read the cache.
 */
public final class ShardedRows {
    private ShardedRows() {
    }

    /** @param rows each row keyed by its global number, 0, 1, 2, ... */
    @SuppressWarnings("rawtypes")
    public static <R> JavaRDD<ShardBlock> shard(JavaPairRDD<Long, R> rows, int workers, String name) {
        JavaRDD<ShardBlock> blocks = rows
                .partitionBy(new ShardPartitioner(workers))
                .mapPartitionsWithIndex(ShardedRows::toBlock, true)
                .setName(name)
                .persist(StorageLevel.MEMORY_AND_DISK());
        return blocks;
    }

    @SuppressWarnings("rawtypes")
    private static <R> Iterator<ShardBlock> toBlock(int shard, Iterator<Tuple2<Long, R>> it) {
        List<Tuple2<Long, R>> indexed = new ArrayList<>();
        it.forEachRemaining(indexed::add);
        indexed.sort(Comparator.comparing(Tuple2::_1));
        List<R> rows = new ArrayList<>(indexed.size());
        indexed.forEach(t -> rows.add(t._2()));
        return List.<ShardBlock>of(new ShardBlock<>(shard, rows)).iterator();
    }

    /** Rows of all blocks in global order (for tests and small validation sets). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static <R> List<R> inGlobalOrder(List<ShardBlock> blocks) {
        int workers = blocks.size();
        List<R> out = new ArrayList<>();
        int total = blocks.stream().mapToInt(b -> b.rows().size()).sum();
        ShardBlock[] byShard = new ShardBlock[workers];
        blocks.forEach(b -> byShard[b.shard()] = b);
        for (int i = 0; i < total; i++) {
            out.add((R) byShard[i % workers].rows().get(i / workers));
        }
        return out;
    }
}
