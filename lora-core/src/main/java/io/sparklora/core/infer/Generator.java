package io.sparklora.core.infer;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Autoregressive generation: repeatedly asks the model for next-token logits on the growing context
 * (keeping only the newest {@code maxContext} tokens, the model's window), samples a token and
 * appends it. Stops after {@code maxNewTokens} tokens or when the EOS id is sampled.
 */
public final class Generator {

  private final NextTokenModel model;
  private final int maxContext;

  /**
   * @param maxContext the most tokens the model is given at once, {@code >= 1}
   */
  public Generator(NextTokenModel model, int maxContext) {
    this.model = Objects.requireNonNull(model, "model");
    if (maxContext < 1) {
      throw new IllegalArgumentException("maxContext must be >= 1, got " + maxContext);
    }
    this.maxContext = maxContext;
  }

  /**
   * @param prompt non-empty context to continue
   * @return only the new tokens; a sampled EOS ends generation and is not included
   */
  public int[] generate(int[] prompt, SamplingConfig cfg, OptionalInt eosId) {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(cfg, "cfg");
    Objects.requireNonNull(eosId, "eosId");
    if (prompt.length == 0) {
      throw new IllegalArgumentException("prompt must not be empty");
    }
    TokenSampler sampler = new TokenSampler(cfg);
    int[] all = Arrays.copyOf(prompt, prompt.length + cfg.maxNewTokens());
    int size = prompt.length;
    while (size - prompt.length < cfg.maxNewTokens()) {
      int[] context = Arrays.copyOfRange(all, Math.max(0, size - maxContext), size);
      float[] logits = model.nextTokenLogits(context);
      if (logits == null) {
        throw new IllegalStateException("model returned null logits");
      }
      int token = sampler.next(logits);
      if (eosId.isPresent() && token == eosId.getAsInt()) {
        break;
      }
      all[size++] = token;
    }
    return Arrays.copyOfRange(all, prompt.length, size);
  }
}
