package io.sparklora.core.infer;

/**
 * How the next token is chosen.
 *
 * @param temperature {@code >= 0}; 0 means greedy argmax
 * @param topP nucleus mass in {@code (0, 1]}; 1 disables the nucleus cut
 * @param maxNewTokens {@code >= 1}
 * @param seed seed of the sampling random stream
 */
public record SamplingConfig(double temperature, double topP, int maxNewTokens, long seed) {

  public SamplingConfig {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be finite and >= 0 (0 = greedy), got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
  }

  public static SamplingConfig greedy(int maxNewTokens) {
    return new SamplingConfig(0, 1, maxNewTokens, 0);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
