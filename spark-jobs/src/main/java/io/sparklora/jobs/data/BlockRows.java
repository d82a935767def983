package io.sparklora.jobs.data;

import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.RowBlocks;
import io.sparklora.core.text.RowsFingerprint;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * One dataset's rows, computed the same on every cluster: the usable examples are numbered in the dataset's order
 * and tokenized where Spark read them ({@link Tokenization}), shuffled to their packing block (a fixed number of
 * consecutive examples, {@code data.block_examples}), and each block is packed on its own ({@link RowBlocks#pack}).
 * The driver collects one small summary per block (row counts, digests, samples) and so knows every row's global
 * number before the rows are sharded. Tokenization runs once, in the map stage; the jobs that read the rows reuse
 * its shuffle output and only repack the blocks, which is cheap.
 */
final class BlockRows {
    private final JavaRDD<PackedBlock> blocks;
    private final List<PackedBlock.Summary> summaries;
    private final long examples;

    private BlockRows(JavaRDD<PackedBlock> blocks, List<PackedBlock.Summary> summaries, long examples) {
        this.blocks = blocks;
        this.summaries = summaries;
        this.examples = examples;
    }

    static BlockRows prepare(JavaSparkContext sc, Dataset<Row> table, InputSplits splits, TokenizeSpec spec,
                             Holdout holdout, int blockExamples, int samples, SerializableHadoopConf conf, String what) {
        long examples = splits.examples();
        long blockCount = RowBlocks.blockCount(examples, blockExamples);
        Set<Long> keepText = holdout.first(examples, samples);
        Broadcast<java.util.Map<String, long[]>> firstExamples = sc.broadcast(splits.firstExamples());
        JavaPairRDD<Long, NumberedExample> numbered = Tokenization.numbered(table, firstExamples, spec, holdout, keepText,
                conf, what);
        // How many tasks pack the blocks follows the cluster; what each block holds does not.
        int partitions = (int) Math.max(1, Math.min(blockCount, sc.defaultParallelism()));
        int seqLen = spec.seqLen();
        boolean packing = spec.packing();
        JavaRDD<PackedBlock> blocks = numbered
                .repartitionAndSortWithinPartitions(new BlockPartitioner(blockExamples, blockCount, partitions))
                .mapPartitions(it -> new Packing(it, blockExamples, seqLen, packing));
        sc.setJobDescription("SparkLoRA data: tokenize and pack " + what);
        List<PackedBlock.Summary> summaries = new ArrayList<>(blocks.map(PackedBlock::summary).collect());
        summaries.sort(Comparator.comparingLong(PackedBlock.Summary::block));
        for (int b = 0; b < summaries.size(); b++) {
            if (summaries.get(b).block() != b) {
                throw new IllegalStateException("packing block " + b + " of " + what + " is missing");
            }
        }
        if (summaries.size() != blockCount) {
            throw new IllegalStateException(what + ": " + summaries.size() + " packing blocks, expected " + blockCount);
        }
        return new BlockRows(blocks, summaries, examples);
    }

    long examples() {
        return examples;
    }

    long trainExamples() {
        return summaries.stream().mapToLong(PackedBlock.Summary::trainExamples).sum();
    }

    long validationExamples() {
        return summaries.stream().mapToLong(PackedBlock.Summary::validationExamples).sum();
    }

    long trainRows() {
        return summaries.stream().mapToLong(PackedBlock.Summary::trainRows).sum();
    }

    long validationRows() {
        return summaries.stream().mapToLong(PackedBlock.Summary::validationRows).sum();
    }

    long truncated() {
        return summaries.stream().mapToLong(PackedBlock.Summary::truncated).sum();
    }

    long dropped() {
        return summaries.stream().mapToLong(PackedBlock.Summary::dropped).sum();
    }

    String trainFingerprint() {
        RowsFingerprint fp = new RowsFingerprint();
        summaries.forEach(s -> fp.addBlock(s.trainDigest()));
        return fp.value();
    }

    String validationFingerprint() {
        RowsFingerprint fp = new RowsFingerprint();
        summaries.forEach(s -> fp.addBlock(s.validationDigest()));
        return fp.value();
    }

    /** The kept validation examples' text, in example order. */
    List<PackedBlock.Sample> samples() {
        List<PackedBlock.Sample> out = new ArrayList<>();
        summaries.forEach(s -> out.addAll(s.samples()));
        out.sort(Comparator.comparingLong(PackedBlock.Sample::example));
        return out;
    }

    /** Training rows keyed by their global number. */
    JavaPairRDD<Long, Serializable> trainRowsNumbered(JavaSparkContext sc) {
        return numbered(sc, PackedBlock::train, PackedBlock.Summary::trainRows, Long.MAX_VALUE);
    }

    /** The first {@code max} validation rows (all when max <= 0) keyed by their global number. */
    JavaPairRDD<Long, Serializable> validationRowsNumbered(JavaSparkContext sc, long max) {
        return numbered(sc, PackedBlock::validation, PackedBlock.Summary::validationRows, max > 0 ? max : Long.MAX_VALUE);
    }

    private interface Rows extends java.io.Serializable {
        List<? extends Serializable> of(PackedBlock b);
    }

    private JavaPairRDD<Long, Serializable> numbered(JavaSparkContext sc, Rows rows,
                                                    java.util.function.ToLongFunction<PackedBlock.Summary> count,
                                                    long max) {
        long[] first = new long[summaries.size()];
        long next = 0;
        for (int b = 0; b < first.length; b++) {
            first[b] = next;
            next += count.applyAsLong(summaries.get(b));
        }
        Broadcast<long[]> offsets = sc.broadcast(first);
        PairFlatMapFunction<PackedBlock, Long, Serializable> emit = b -> {
            long start = offsets.value()[(int) b.block()];
            List<? extends Serializable> rs = rows.of(b);
            List<Tuple2<Long, Serializable>> out = new ArrayList<>(rs.size());
            for (int i = 0; i < rs.size() && start + i < max; i++) {
                out.add(new Tuple2<>(start + i, rs.get(i)));
            }
            return out.iterator();
        };
        return blocks.flatMapToPair(emit);
    }

    /** Cuts a partition's examples, sorted by number, into blocks and packs each as it completes. */
    private static final class Packing implements Iterator<PackedBlock> {
        private final Iterator<Tuple2<Long, NumberedExample>> examples;
        private final int blockExamples;
        private final int seqLen;
        private final boolean packing;
        private Tuple2<Long, NumberedExample> lookahead;

        Packing(Iterator<Tuple2<Long, NumberedExample>> examples, int blockExamples, int seqLen, boolean packing) {
            this.examples = examples;
            this.blockExamples = blockExamples;
            this.seqLen = seqLen;
            this.packing = packing;
        }

        @Override
        public boolean hasNext() {
            return lookahead != null || examples.hasNext();
        }

        @Override
        public PackedBlock next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Tuple2<Long, NumberedExample> first = lookahead != null ? lookahead : examples.next();
            lookahead = null;
            long block = first._1() / blockExamples;
            List<TokenizedExample> train = new ArrayList<>();
            List<TokenizedExample> validation = new ArrayList<>();
            List<ClassificationRow> classifiedTrain = new ArrayList<>();
            List<ClassificationRow> classifiedValidation = new ArrayList<>();
            List<PackedBlock.Sample> samples = new ArrayList<>();
            Tuple2<Long, NumberedExample> e = first;
            while (true) {
                NumberedExample ex = e._2();
                if (ex.classified() != null) {
                    (ex.validation() ? classifiedValidation : classifiedTrain).add(ex.classified());
                } else {
                    (ex.validation() ? validation : train).add(ex.example());
                }
                if (ex.completion() != null) {
                    samples.add(new PackedBlock.Sample(e._1(), ex.prompt(), ex.completion()));
                }
                if (!examples.hasNext()) {
                    break;
                }
                e = examples.next();
                if (e._1() / blockExamples != block) {
                    lookahead = e;
                    break;
                }
            }
            if (!classifiedTrain.isEmpty() || !classifiedValidation.isEmpty()) { // one row per example, not packed
                return new PackedBlock(block, classifiedTrain, classifiedValidation, classifiedTrain.size(),
                        classifiedValidation.size(), 0, 0, samples);
            }
            RowBlocks.Block packed = RowBlocks.pack(train, validation, seqLen, packing);
            return new PackedBlock(block, packed.train(), packed.validation(), train.size(), validation.size(),
                    packed.truncated(), packed.dropped(), samples);
        }
    }
}
