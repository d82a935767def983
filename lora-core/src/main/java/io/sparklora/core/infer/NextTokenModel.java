package io.sparklora.core.infer;

/** Anything that gives next-token logits for a context, e.g. a causal LM's last-position output. */
@FunctionalInterface
public interface NextTokenModel {

  /**
   * @param context token ids, oldest first; never empty
   * @return one logit per vocabulary id for the token following {@code context}
   */
  float[] nextTokenLogits(int[] context);

  /**
   * This model with its logits cut to the ids below {@code vocab}: a tokenizer decodes only ids below its vocabulary
   * size, and a model's vocabulary is often padded beyond it (GPT-2-shaped and Qwen2 checkpoints), so a sampled id
   * must never come from the padding.
   */
  default NextTokenModel limitedTo(int vocab) {
    if (vocab <= 0) {
      throw new IllegalArgumentException("vocabulary size must be > 0, got " + vocab);
    }
    return context -> {
      float[] logits = nextTokenLogits(context);
      return logits.length <= vocab ? logits : java.util.Arrays.copyOf(logits, vocab);
    };
  }
}
