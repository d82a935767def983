package io.sparklora.core.text;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Turns {@link TextExample}s into {@link TokenizedExample}s: optional BOS (never in the loss: it is
 * never predicted), prompt tokens (masked), completion tokens (in the loss), optional EOS (in the
 * loss, so the model learns to stop). Prompt and completion are tokenized separately so the mask
 * boundary falls exactly between them.
 */
public final class ExampleEncoder {

  private final TextTokenizer tok;
  private final int bos;
  private final int eos;

  /**
   * @throws IllegalArgumentException if BOS/EOS is requested but the tokenizer has none
   */
  public ExampleEncoder(TextTokenizer tok, boolean addBos, boolean addEos) {
    this.tok = Objects.requireNonNull(tok, "tok");
    this.bos = addBos ? required(tok.bosTokenId(), "BOS") : -1;
    this.eos = addEos ? required(tok.eosTokenId(), "EOS") : -1;
  }

  private static int required(OptionalInt id, String what) {
    return id.orElseThrow(
        () ->
            new IllegalArgumentException(
                what + " requested but the tokenizer has no " + what + " token"));
  }

  public TokenizedExample encode(TextExample ex) {
    Objects.requireNonNull(ex, "ex");
    int[] prompt = ex.hasPrompt() ? tok.encode(ex.prompt()) : new int[0];
    int[] completion = tok.encode(ex.completion());
    int n = (bos >= 0 ? 1 : 0) + prompt.length + completion.length + (eos >= 0 ? 1 : 0);
    int[] tokens = new int[n];
    boolean[] inLoss = new boolean[n];
    int i = 0;
    if (bos >= 0) {
      tokens[i++] = bos;
    }
    for (int t : prompt) {
      tokens[i++] = t;
    }
    for (int t : completion) {
      inLoss[i] = true;
      tokens[i++] = t;
    }
    if (eos >= 0) {
      inLoss[i] = true;
      tokens[i++] = eos;
    }
    return new TokenizedExample(tokens, inLoss);
  }
}
