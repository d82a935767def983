package io.sparklora.core.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Training and validation rows as a function of a dataset's examples, in their global order, and
 * the job's row settings only: never of how the examples were split into files, partitions or
 * tasks.
 *
 * <p>The examples are numbered 0, 1, 2, ... in the dataset's order. Example {@code i} is held out
 * for validation when {@link #heldOut} says so (a hash of the seed and {@code i}), and belongs to
 * block {@code i / blockExamples}. Each block is packed on its own: its training examples in order
 * into training rows, its held-out examples in order into validation rows, each with a fresh {@link
 * RowPacker}. The dataset's rows are the blocks' rows in block order. A block is the unit a Spark
 * task packs, and its size is a constant of the job, so every cluster produces the same rows.
 *
 * <p>{@link #prepare} is the whole computation in one JVM, for the single-JVM trainer and tests;
 * the Spark job computes the same {@link #pack} per block on its executors.
 */
public final class RowBlocks {

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private RowBlocks() {}

  /** The block of example {@code example}. */
  public static long blockOf(long example, int blockExamples) {
    checkBlockExamples(blockExamples);
    return example / blockExamples;
  }

  /** Blocks needed for {@code examples} examples. */
  public static long blockCount(long examples, int blockExamples) {
    checkBlockExamples(blockExamples);
    return (examples + blockExamples - 1) / blockExamples;
  }

  /**
   * Whether example {@code example} is held out for validation: a uniform hash of {@code seed} and
   * {@code example} below {@code fraction}, so the split is a pure function of the two.
   */
  public static boolean heldOut(long seed, long example, double fraction) {
    if (fraction <= 0) {
      return false;
    }
    long h = mix(mix(seed) ^ (example * GOLDEN));
    return (h >>> 11) * 0x1.0p-53 < fraction;
  }

  /** SplitMix64's finalizer. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Packs one block's examples: training examples into training rows, held-out examples into
   * validation rows, each list in example order.
   */
  public static Block pack(
      List<TokenizedExample> train,
      List<TokenizedExample> validation,
      int seqLen,
      boolean packing) {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(validation, "validation");
    RowPacker trainPacker = new RowPacker(seqLen, packing, 0);
    RowPacker validationPacker = new RowPacker(seqLen, packing, 0);
    List<TrainingRow> trainRows = trainPacker.pack(train);
    List<TrainingRow> validationRows = validationPacker.pack(validation);
    return new Block(
        trainRows,
        validationRows,
        trainPacker.truncatedCount() + validationPacker.truncatedCount(),
        trainPacker.droppedCount() + validationPacker.droppedCount());
  }

  /**
   * One block's rows.
   *
   * @param truncated examples cut to seqLen + 1 tokens (no packing)
   * @param dropped rows discarded for having no token in the loss
   */
  public record Block(
      List<TrainingRow> train, List<TrainingRow> validation, int truncated, int dropped) {
    public Block {
      train = List.copyOf(train);
      validation = List.copyOf(validation);
    }
  }

  /**
   * All rows of a dataset in one JVM: what the Spark job prepares from the same examples.
   *
   * @param examples every usable example, in the dataset's global order
   * @param allValidation true for a separate validation dataset (every example held out)
   */
  public static Prepared prepare(
      List<TokenizedExample> examples,
      int blockExamples,
      int seqLen,
      boolean packing,
      long seed,
      double validationFraction,
      boolean allValidation) {
    checkBlockExamples(blockExamples);
    List<TrainingRow> train = new ArrayList<>();
    List<TrainingRow> validation = new ArrayList<>();
    RowsFingerprint trainPrint = new RowsFingerprint();
    RowsFingerprint validationPrint = new RowsFingerprint();
    for (int start = 0; start < examples.size(); start += blockExamples) {
      List<TokenizedExample> t = new ArrayList<>();
      List<TokenizedExample> v = new ArrayList<>();
      for (int i = start; i < Math.min(examples.size(), start + blockExamples); i++) {
        (allValidation || heldOut(seed, i, validationFraction) ? v : t).add(examples.get(i));
      }
      Block block = pack(t, v, seqLen, packing);
      train.addAll(block.train());
      validation.addAll(block.validation());
      trainPrint.addBlock(RowsFingerprint.blockDigest(block.train()));
      validationPrint.addBlock(RowsFingerprint.blockDigest(block.validation()));
    }
    return new Prepared(train, validation, trainPrint.value(), validationPrint.value());
  }

  /** A dataset's rows and their fingerprints ({@link RowsFingerprint}). */
  public record Prepared(
      List<TrainingRow> train,
      List<TrainingRow> validation,
      String trainFingerprint,
      String validationFingerprint) {
    public Prepared {
      train = List.copyOf(train);
      validation = List.copyOf(validation);
    }
  }

  private static void checkBlockExamples(int blockExamples) {
    if (blockExamples < 1) {
      throw new IllegalArgumentException("blockExamples must be >= 1, got " + blockExamples);
    }
  }
}
