package io.sparklora.core.infer;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy argmax (ties go to the lowest id), or a draw from
 * {@code softmax(logits / temperature)} restricted to the nucleus, the smallest set of most likely
 * tokens whose mass reaches {@code topP} (the top token is always kept). Draws come from a {@link
 * SplittableRandom} seeded with {@code cfg.seed()}, so a sampler's sequence of choices is
 * deterministic. Not thread-safe.
 */
public final class TokenSampler {

  /**
   * Slack on the nucleus cut: probabilities computed from float logits carry rounding error, and
   * a set whose exact mass equals topP (say 0.5 + 0.3 for topP 0.8) must still end the nucleus.
   */
  private static final double MASS_EPSILON = 1e-6;

  private final SamplingConfig cfg;
  private final SplittableRandom random;

  public TokenSampler(SamplingConfig cfg) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.random = new SplittableRandom(cfg.seed());
  }

  /**
   * @param logits one finite-or-negative-infinite score per vocabulary id; NaN and +Infinity are
   *     rejected, -Infinity marks a token as impossible
   */
  public int next(float[] logits) {
    int best = argmax(logits);
    if (cfg.isGreedy()) {
      return best;
    }
    // Subtracting the max before dividing keeps tiny temperatures from overflowing to infinity.
    double max = logits[best];
    double[] probs = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      probs[i] = Math.exp((logits[i] - max) / cfg.temperature());
      sum += probs[i];
    }
    for (int i = 0; i < probs.length; i++) {
      probs[i] /= sum;
    }
    return cfg.topP() >= 1 ? drawAll(probs) : drawNucleus(probs);
  }

  private int drawAll(double[] probs) {
    double u = random.nextDouble();
    double acc = 0;
    int last = 0;
    for (int i = 0; i < probs.length; i++) {
      if (probs[i] > 0) {
        acc += probs[i];
        last = i;
        if (u < acc) {
          return i;
        }
      }
    }
    return last;
  }

  private int drawNucleus(double[] probs) {
    Integer[] order = new Integer[probs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Descending probability, ties by id, so the nucleus is well defined.
    Arrays.sort(order, (a, b) -> probs[a] != probs[b] ? Double.compare(probs[b], probs[a]) : a - b);
    int kept = 0;
    double mass = 0;
    while (kept < order.length && (kept == 0 || mass < cfg.topP() - MASS_EPSILON)) {
      mass += probs[order[kept++]];
    }
    double u = random.nextDouble() * mass;
    double acc = 0;
    for (int k = 0; k < kept; k++) {
      acc += probs[order[k]];
      if (u < acc) {
        return order[k];
      }
    }
    return order[kept - 1];
  }

  private static int argmax(float[] logits) {
    Objects.requireNonNull(logits, "logits");
    if (logits.length == 0) {
      throw new IllegalArgumentException("logits must not be empty");
    }
    int best = -1;
    for (int i = 0; i < logits.length; i++) {
      float v = logits[i];
      if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(
            "logits[" + i + "] must be finite or -Infinity, got " + v);
      }
      if (v != Float.NEGATIVE_INFINITY && (best < 0 || v > logits[best])) {
        best = i;
      }
    }
    if (best < 0) {
      throw new IllegalArgumentException("logits are all -Infinity: no token can be chosen");
    }
    return best;
  }
}
