package io.sparklora.core.infer;

/** Anything that gives next-token logits for a context, e.g. a causal LM's last-position output. */
@FunctionalInterface
public interface NextTokenModel {

  /**
   * @param context token ids, oldest first; never empty
   * @return one logit per vocabulary id for the token following {@code context}
   */
  float[] nextTokenLogits(int[] context);
}
