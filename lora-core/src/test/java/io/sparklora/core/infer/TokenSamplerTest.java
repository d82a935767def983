package io.sparklora.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TokenSamplerTest {

  private static final int DRAWS = 200_000;

  private static float[] logitsOf(double... probs) {
    float[] l = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      l[i] = (float) Math.log(probs[i]);
    }
    return l;
  }

  private static double[] frequencies(TokenSampler s, float[] logits) {
    double[] f = new double[logits.length];
    for (int i = 0; i < DRAWS; i++) {
      f[s.next(logits)] += 1.0 / DRAWS;
    }
    return f;
  }

  @Test
  void greedyTakesArgmaxWithTiesToLowestId() {
    TokenSampler s = new TokenSampler(SamplingConfig.greedy(1));
    assertThat(s.next(new float[] {0.1f, 3f, -2f, 3f})).isEqualTo(1);
    float ninf = Float.NEGATIVE_INFINITY;
    assertThat(s.next(new float[] {ninf, ninf, -5f})).isEqualTo(2);
  }

  @Test
  void temperatureSamplingMatchesSoftmax() {
    float[] logits = {2f, 1f, 0.5f, -1f};
    double temperature = 0.7;
    double[] expected = new double[logits.length];
    double z = 0;
    for (int i = 0; i < logits.length; i++) {
      expected[i] = Math.exp(logits[i] / temperature);
      z += expected[i];
    }
    double[] f = frequencies(new TokenSampler(new SamplingConfig(temperature, 1, 1, 42)), logits);
    for (int i = 0; i < logits.length; i++) {
      assertThat(f[i]).as("token %d", i).isCloseTo(expected[i] / z, within(0.005));
    }
  }

  @Test
  void topPExcludesTheTailExactly() {
    float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
    double[] f = frequencies(new TokenSampler(new SamplingConfig(1, 0.8, 1, 7)), logits);
    assertThat(f[2]).isZero();
    assertThat(f[3]).isZero();
    // Renormalized nucleus: 0.5 / 0.8 and 0.3 / 0.8.
    assertThat(f[0]).isCloseTo(0.625, within(0.005));
    assertThat(f[1]).isCloseTo(0.375, within(0.005));

    double[] wider = frequencies(new TokenSampler(new SamplingConfig(1, 0.81, 1, 7)), logits);
    assertThat(wider[2]).isCloseTo(0.15 / 0.95, within(0.005));
    assertThat(wider[3]).isZero();
  }

  @Test
  void tinyTopPKeepsOnlyTheTopToken() {
    TokenSampler s = new TokenSampler(new SamplingConfig(5, 1e-9, 1, 3));
    float[] logits = {0f, 0.5f, 0.4f};
    for (int i = 0; i < 1000; i++) {
      assertThat(s.next(logits)).isEqualTo(1);
    }
  }

  @Test
  void deterministicForASeed() {
    float[] logits = {0.3f, 0.2f, 0.1f, 0f, -0.1f};
    SamplingConfig cfg = new SamplingConfig(1.3, 0.9, 1, 123);
    int[] a = new int[500];
    int[] b = new int[500];
    int[] c = new int[500];
    TokenSampler sa = new TokenSampler(cfg);
    TokenSampler sb = new TokenSampler(cfg);
    TokenSampler sc = new TokenSampler(new SamplingConfig(1.3, 0.9, 1, 124));
    for (int i = 0; i < a.length; i++) {
      a[i] = sa.next(logits);
      b[i] = sb.next(logits);
      c[i] = sc.next(logits);
    }
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void tinyTemperatureDoesNotOverflow() {
    TokenSampler s = new TokenSampler(new SamplingConfig(1e-30, 1, 1, 0));
    assertThat(s.next(new float[] {1f, 2f, 1.5f})).isEqualTo(1);
  }

  @Test
  void rejectsUnusableLogits() {
    TokenSampler s = new TokenSampler(new SamplingConfig(1, 1, 1, 0));
    assertThatThrownBy(() -> s.next(new float[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits must not be empty");
    assertThatThrownBy(() -> s.next(new float[] {0f, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits[1] must be finite or -Infinity, got NaN");
    float ninf = Float.NEGATIVE_INFINITY;
    assertThatThrownBy(() -> s.next(new float[] {ninf, ninf}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits are all -Infinity: no token can be chosen");
  }
}
