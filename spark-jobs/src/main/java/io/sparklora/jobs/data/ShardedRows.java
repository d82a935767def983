package io.sparklora.jobs.data;

import io.sparklora.core.text.TrainingRow;
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
    public static JavaRDD<ShardBlock> shard(JavaPairRDD<Long, TrainingRow> rows, int workers, String name) {
        JavaRDD<ShardBlock> blocks = rows
                .partitionBy(new ShardPartitioner(workers))
                .mapPartitionsWithIndex(ShardedRows::toBlock, true)
                .setName(name)
                .persist(StorageLevel.MEMORY_AND_DISK());
        return blocks;
    }

    private static Iterator<ShardBlock> toBlock(int shard, Iterator<Tuple2<Long, TrainingRow>> it) {
        List<Tuple2<Long, TrainingRow>> indexed = new ArrayList<>();
        it.forEachRemaining(indexed::add);
        indexed.sort(Comparator.comparing(Tuple2::_1));
        List<TrainingRow> rows = new ArrayList<>(indexed.size());
        indexed.forEach(t -> rows.add(t._2()));
        return List.of(new ShardBlock(shard, rows)).iterator();
    }

    /** Rows of all blocks in global order (for tests and small validation sets). */
    public static List<TrainingRow> inGlobalOrder(List<ShardBlock> blocks) {
        int workers = blocks.size();
        List<TrainingRow> out = new ArrayList<>();
        int total = blocks.stream().mapToInt(b -> b.rows().size()).sum();
        ShardBlock[] byShard = new ShardBlock[workers];
        blocks.forEach(b -> byShard[b.shard()] = b);
        for (int i = 0; i < total; i++) {
            out.add(byShard[i % workers].rows().get(i / workers));
        }
        return out;
    }
}
