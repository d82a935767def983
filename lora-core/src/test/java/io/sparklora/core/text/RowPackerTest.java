package io.sparklora.core.text;

import static io.sparklora.core.text.TrainingRow.IGNORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RowPackerTest {

  private static final int PAD = 99;
  private static final boolean F = false;
  private static final boolean T = true;

  // A prompt/completion pair (1 masked, 2 trained) and one with a two-token prompt.
  private static final TokenizedExample A =
      new TokenizedExample(new int[] {1, 2, 3}, new boolean[] {F, T, T});
  private static final TokenizedExample B =
      new TokenizedExample(new int[] {4, 5, 6, 7}, new boolean[] {F, F, T, T});

  @Test
  void packingConcatenatesAndOverlapsWindowsByOneToken() {
    RowPacker packer = new RowPacker(4, true, PAD);
    List<TrainingRow> rows = packer.pack(List.of(A, B));
    // Stream 1 2 3 4 5 6 7 with loss mask F T T F F T T; windows [0,5) and [4,7).
    assertThat(rows)
        .containsExactly(
            new TrainingRow(new int[] {1, 2, 3, 4}, new int[] {2, 3, IGNORE, IGNORE}),
            new TrainingRow(new int[] {5, 6, PAD, PAD}, new int[] {6, 7, IGNORE, IGNORE}));
    assertThat(packer.droppedCount()).isZero();
    assertThat(packer.truncatedCount()).isZero();
  }

  @Test
  void packingCountsEveryTransitionOnceAcrossManyRows() {
    int n = 1000;
    int[] tokens = new int[n];
    boolean[] inLoss = new boolean[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = i;
      inLoss[i] = true;
    }
    List<TrainingRow> rows =
        new RowPacker(7, true, 0).pack(List.of(new TokenizedExample(tokens, inLoss)));
    int total = rows.stream().mapToInt(TrainingRow::lossTokenCount).sum();
    assertThat(total).isEqualTo(n - 1);
    for (TrainingRow r : rows) {
      int[] in = r.tokens();
      int[] tg = r.targets();
      for (int t = 0; t < r.length(); t++) {
        if (tg[t] != IGNORE) {
          assertThat(tg[t]).isEqualTo(in[t] + 1);
        }
      }
    }
  }

  @Test
  void packingDropsRowsWithoutLossTokens() {
    TokenizedExample promptOnly =
        new TokenizedExample(new int[] {1, 2, 3, 4, 5, 6}, new boolean[] {F, F, F, F, F, F});
    RowPacker packer = new RowPacker(3, true, PAD);
    List<TrainingRow> rows = packer.pack(List.of(promptOnly, A));
    // Stream 1..6,1,2,3 mask F F F F F F F T T: windows [0,4) [3,7) dropped, [6,9) kept.
    assertThat(rows)
        .containsExactly(new TrainingRow(new int[] {1, 2, PAD}, new int[] {2, 3, IGNORE}));
    assertThat(packer.droppedCount()).isEqualTo(2);
  }

  @Test
  void nonPackingPadsOneExamplePerRow() {
    RowPacker packer = new RowPacker(5, false, PAD);
    List<TrainingRow> rows = packer.pack(List.of(A, B));
    assertThat(rows)
        .containsExactly(
            new TrainingRow(
                new int[] {1, 2, PAD, PAD, PAD}, new int[] {2, 3, IGNORE, IGNORE, IGNORE}),
            new TrainingRow(
                new int[] {4, 5, 6, PAD, PAD}, new int[] {IGNORE, 6, 7, IGNORE, IGNORE}));
    assertThat(packer.truncatedCount()).isZero();
    assertThat(packer.droppedCount()).isZero();
  }

  @Test
  void nonPackingTruncatesAndDropsAndCountsAcrossCalls() {
    RowPacker packer = new RowPacker(2, false, PAD);
    // B truncated to 4 5 6: its only loss token left is 6. A fits exactly (3 = seqLen + 1).
    assertThat(packer.pack(List.of(B, A)))
        .containsExactly(
            new TrainingRow(new int[] {4, 5}, new int[] {IGNORE, 6}),
            new TrainingRow(new int[] {1, 2}, new int[] {2, 3}));
    assertThat(packer.truncatedCount()).isEqualTo(1);

    TokenizedExample lateLoss =
        new TokenizedExample(new int[] {1, 2, 3, 4}, new boolean[] {F, F, F, T});
    TokenizedExample single = new TokenizedExample(new int[] {8}, new boolean[] {T});
    assertThat(packer.pack(List.of(lateLoss, single))).isEmpty();
    assertThat(packer.truncatedCount()).isEqualTo(2);
    assertThat(packer.droppedCount()).isEqualTo(2);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> new RowPacker(0, true, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seqLen must be >= 1, got 0");
    assertThatThrownBy(() -> new RowPacker(4, true, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("padId must be >= 0, got -1");
  }
}
