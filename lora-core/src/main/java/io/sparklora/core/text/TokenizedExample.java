package io.sparklora.core.text;

import java.util.Arrays;

/**
 * A tokenized example: token ids and, per token, whether predicting that token counts in the loss.
 * Arrays are copied in and out so instances stay immutable.
 *
 * @param tokens token ids, each {@code >= 0}
 * @param inLoss same length as {@code tokens}
 */
public record TokenizedExample(int[] tokens, boolean[] inLoss) implements java.io.Serializable {

  public TokenizedExample {
    if (tokens == null || inLoss == null) {
      throw new IllegalArgumentException("tokens and inLoss must not be null");
    }
    if (tokens.length != inLoss.length) {
      throw new IllegalArgumentException(
          "inLoss length must equal tokens length "
              + tokens.length
              + ", got "
              + inLoss.length);
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0) {
        throw new IllegalArgumentException(
            "tokens[" + i + "] must be >= 0, got " + tokens[i]);
      }
    }
    tokens = tokens.clone();
    inLoss = inLoss.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public boolean[] inLoss() {
    return inLoss.clone();
  }

  public int length() {
    return tokens.length;
  }

  /** Number of tokens whose prediction counts in the loss. */
  public int lossTokenCount() {
    int n = 0;
    for (boolean b : inLoss) {
      n += b ? 1 : 0;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizedExample other
        && Arrays.equals(tokens, other.tokens)
        && Arrays.equals(inLoss, other.inLoss);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(inLoss);
  }

  @Override
  public String toString() {
    return "TokenizedExample[tokens=" + Arrays.toString(tokens) + ", inLoss="
        + Arrays.toString(inLoss) + "]";
  }
}
