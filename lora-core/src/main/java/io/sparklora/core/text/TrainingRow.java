package io.sparklora.core.text;

import java.util.Arrays;

/**
 * A fixed-length training row: {@code targets[t]} is the token the model must predict at position
 * {@code t} (the next token), or {@link #IGNORE} where that prediction is masked (prompt, padding).
 * Arrays are copied in and out so instances stay immutable.
 *
 * @param tokens input ids, each {@code >= 0}, length {@code >= 1}
 * @param targets same length; each {@code >= 0} or {@link #IGNORE}
 */
public record TrainingRow(int[] tokens, int[] targets) implements java.io.Serializable {

  /** Target value for positions that do not count in the loss. */
  public static final int IGNORE = -1;

  public TrainingRow {
    if (tokens == null || targets == null) {
      throw new IllegalArgumentException("tokens and targets must not be null");
    }
    if (tokens.length < 1) {
      throw new IllegalArgumentException("tokens length must be >= 1, got 0");
    }
    if (targets.length != tokens.length) {
      throw new IllegalArgumentException(
          "targets length must equal tokens length " + tokens.length + ", got " + targets.length);
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0) {
        throw new IllegalArgumentException("tokens[" + i + "] must be >= 0, got " + tokens[i]);
      }
      if (targets[i] < IGNORE) {
        throw new IllegalArgumentException(
            "targets[" + i + "] must be >= 0 or IGNORE (-1), got " + targets[i]);
      }
    }
    tokens = tokens.clone();
    targets = targets.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public int[] targets() {
    return targets.clone();
  }

  public int length() {
    return tokens.length;
  }

  /** Number of positions whose target counts in the loss. */
  public int lossTokenCount() {
    int n = 0;
    for (int t : targets) {
      n += t != IGNORE ? 1 : 0;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingRow other
        && Arrays.equals(tokens, other.tokens)
        && Arrays.equals(targets, other.targets);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(targets);
  }

  @Override
  public String toString() {
    return "TrainingRow[tokens=" + Arrays.toString(tokens) + ", targets="
        + Arrays.toString(targets) + "]";
  }
}
