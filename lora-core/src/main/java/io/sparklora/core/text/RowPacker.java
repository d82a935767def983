package io.sparklora.core.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Builds {@link TrainingRow}s of exactly {@code seqLen} positions from {@link TokenizedExample}s.
 * The target at position {@code t} is the next token if that token is in the loss, else {@link
 * TrainingRow#IGNORE}.
 *
 * <p>Packing mode concatenates all examples into one stream (examples cross row boundaries, as in
 * nanoGPT and HF {@code group_texts}) and cuts windows of {@code seqLen + 1} tokens. Consecutive
 * windows overlap by one token, the last target of one row being the first input of the next, so
 * every next-token transition in the stream is trained exactly once. The final partial window is
 * right-padded rather than dropped so small datasets keep all their data.
 *
 * <p>Non-packing mode puts one example per row, truncated to {@code seqLen + 1} tokens and
 * right-padded with {@code padId} inputs and {@code IGNORE} targets.
 *
 * <p>Rows without any loss token are dropped. {@link #truncatedCount()} and {@link
 * #droppedCount()} accumulate over all {@link #pack} calls. Not thread-safe.
 */
public final class RowPacker {

  private final int seqLen;
  private final boolean packing;
  private final int padId;
  private int truncated;
  private int dropped;

  /**
   * @param seqLen row length, {@code >= 1}
   * @param packing whether to concatenate examples across rows
   * @param padId input id written at padded positions, {@code >= 0}
   */
  public RowPacker(int seqLen, boolean packing, int padId) {
    if (seqLen < 1) {
      throw new IllegalArgumentException("seqLen must be >= 1, got " + seqLen);
    }
    if (padId < 0) {
      throw new IllegalArgumentException("padId must be >= 0, got " + padId);
    }
    this.seqLen = seqLen;
    this.packing = packing;
    this.padId = padId;
  }

  public List<TrainingRow> pack(Iterable<TokenizedExample> examples) {
    Objects.requireNonNull(examples, "examples");
    List<TrainingRow> rows = new ArrayList<>();
    if (packing) {
      packStream(examples, rows);
    } else {
      for (TokenizedExample ex : examples) {
        int[] tokens = ex.tokens();
        int n = Math.min(tokens.length, seqLen + 1);
        if (n < tokens.length) {
          truncated++;
        }
        emit(tokens, ex.inLoss(), 0, n, rows);
      }
    }
    return rows;
  }

  private void packStream(Iterable<TokenizedExample> examples, List<TrainingRow> rows) {
    int window = seqLen + 1;
    int[] tokens = new int[Math.max(16, 2 * window)];
    boolean[] inLoss = new boolean[tokens.length];
    int size = 0;
    for (TokenizedExample ex : examples) {
      int[] t = ex.tokens();
      boolean[] l = ex.inLoss();
      if (size + t.length > tokens.length) {
        int cap = Math.max(2 * tokens.length, size + t.length);
        tokens = Arrays.copyOf(tokens, cap);
        inLoss = Arrays.copyOf(inLoss, cap);
      }
      System.arraycopy(t, 0, tokens, size, t.length);
      System.arraycopy(l, 0, inLoss, size, l.length);
      size += t.length;
      int start = 0;
      while (size - start >= window) {
        emit(tokens, inLoss, start, window, rows);
        start += seqLen;
      }
      // Keep only the unconsumed tail (including the overlap token) so memory stays bounded.
      System.arraycopy(tokens, start, tokens, 0, size - start);
      System.arraycopy(inLoss, start, inLoss, 0, size - start);
      size -= start;
    }
    // A lone leftover token has no successor to predict, so it cannot form a row.
    if (size >= 2) {
      emit(tokens, inLoss, 0, size, rows);
    }
  }

  /** Emits the row whose inputs are {@code [from, from+n-1)} and targets shifted by one. */
  private void emit(int[] tokens, boolean[] inLoss, int from, int n, List<TrainingRow> rows) {
    int[] in = new int[seqLen];
    int[] tg = new int[seqLen];
    Arrays.fill(in, padId);
    Arrays.fill(tg, TrainingRow.IGNORE);
    boolean anyLoss = false;
    for (int t = 0; t + 1 < n; t++) {
      in[t] = tokens[from + t];
      if (inLoss[from + t + 1]) {
        tg[t] = tokens[from + t + 1];
        anyLoss = true;
      }
    }
    if (anyLoss) {
      rows.add(new TrainingRow(in, tg));
    } else {
      dropped++;
    }
  }

  /** Examples cut to {@code seqLen + 1} tokens (non-packing mode only). */
  public int truncatedCount() {
    return truncated;
  }

  /** Rows discarded because none of their targets counted in the loss. */
  public int droppedCount() {
    return dropped;
  }
}
