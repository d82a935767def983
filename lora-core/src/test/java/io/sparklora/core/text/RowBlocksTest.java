package io.sparklora.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowBlocksTest {

  /** Example i: 3 + i % 5 tokens, the first one masked. */
  private static List<TokenizedExample> examples(int n) {
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 3 + i % 5;
      int[] tokens = new int[len];
      boolean[] inLoss = new boolean[len];
      for (int t = 0; t < len; t++) {
        tokens[t] = 1 + (i * 7 + t) % 50;
        inLoss[t] = t > 0;
      }
      out.add(new TokenizedExample(tokens, inLoss));
    }
    return out;
  }

  @Test
  void heldOutIsAPureFunctionOfSeedAndExampleWithTheRequestedShare() {
    int n = 20_000;
    int held = 0;
    for (long i = 0; i < n; i++) {
      boolean h = RowBlocks.heldOut(1234, i, 0.2);
      assertThat(RowBlocks.heldOut(1234, i, 0.2)).isEqualTo(h);
      held += h ? 1 : 0;
    }
    assertThat(held / (double) n).isBetween(0.19, 0.21);
    assertThat(RowBlocks.heldOut(1234, 5, 0.0)).isFalse();
    long differ = java.util.stream.LongStream.range(0, 1000)
        .filter(i -> RowBlocks.heldOut(1, i, 0.5) != RowBlocks.heldOut(2, i, 0.5))
        .count();
    assertThat(differ).as("another seed, another split").isBetween(400L, 600L);
  }

  @Test
  void oneBlockPacksLikeOnePackerOverAllExamples() {
    List<TokenizedExample> all = examples(40);

    RowBlocks.Prepared p = RowBlocks.prepare(all, 1000, 8, true, 1, 0.0, false);

    assertThat(p.train()).isEqualTo(new RowPacker(8, true, 0).pack(all));
    assertThat(p.validation()).isEmpty();
  }

  @Test
  void blocksArePackedOnTheirOwnAndConcatenatedInOrder() {
    List<TokenizedExample> all = examples(40);

    RowBlocks.Prepared p = RowBlocks.prepare(all, 16, 8, true, 1, 0.0, false);

    List<TrainingRow> expected = new ArrayList<>();
    for (int start = 0; start < 40; start += 16) {
      expected.addAll(new RowPacker(8, true, 0).pack(all.subList(start, Math.min(40, start + 16))));
    }
    assertThat(p.train()).isEqualTo(expected);
    assertThat(p.train()).isNotEqualTo(new RowPacker(8, true, 0).pack(all)); // the block edges show
    assertThat(RowBlocks.blockCount(40, 16)).isEqualTo(3);
    assertThat(RowBlocks.blockOf(31, 16)).isEqualTo(1);
  }

  @Test
  void heldOutExamplesBecomeValidationRowsOfTheirBlock() {
    List<TokenizedExample> all = examples(64);

    RowBlocks.Prepared p = RowBlocks.prepare(all, 32, 8, false, 7, 0.25, false);

    List<TokenizedExample> held = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      if (RowBlocks.heldOut(7, i, 0.25)) {
        held.add(all.get(i));
      }
    }
    assertThat(held).isNotEmpty();
    assertThat(p.validation()).isEqualTo(new RowPacker(8, false, 0).pack(held));
    assertThat(p.train()).hasSize(64 - held.size());
    RowBlocks.Prepared separate = RowBlocks.prepare(all, 32, 8, false, 7, 0.0, true);
    assertThat(separate.train()).isEmpty();
    assertThat(separate.validation()).hasSize(64);
  }

  @Test
  void theFingerprintFollowsTheRowsAndTheirOrder() {
    List<TokenizedExample> all = examples(50);
    String fp = RowBlocks.prepare(all, 16, 8, true, 1, 0.1, false).trainFingerprint();

    assertThat(fp).matches("sha256:[0-9a-f]{64}");
    assertThat(RowBlocks.prepare(all, 16, 8, true, 1, 0.1, false).trainFingerprint()).isEqualTo(fp);
    List<TokenizedExample> swapped = new ArrayList<>(all);
    swapped.set(3, all.get(4));
    swapped.set(4, all.get(3));
    assertThat(fingerprint(swapped, 16, 1)).isNotEqualTo(fp);
    assertThat(fingerprint(all, 16, 2)).as("another seed").isNotEqualTo(fp);
    assertThat(fingerprint(all, 17, 1)).as("another block size").isNotEqualTo(fp);
  }

  private static String fingerprint(List<TokenizedExample> examples, int blockExamples, long seed) {
    return RowBlocks.prepare(examples, blockExamples, 8, true, seed, 0.1, false).trainFingerprint();
  }

  @Test
  void blockSizeMustBePositive() {
    assertThatThrownBy(() -> RowBlocks.blockOf(1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blockExamples must be >= 1");
  }
}
