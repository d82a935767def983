package io.sparklora.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplingConfigTest {

  @Test
  void greedyFactory() {
    SamplingConfig g = SamplingConfig.greedy(7);
    assertThat(g.isGreedy()).isTrue();
    assertThat(g.maxNewTokens()).isEqualTo(7);
    assertThat(g.topP()).isEqualTo(1.0);
  }

  @Test
  void rejectsOutOfRangeFields() {
    assertThatThrownBy(() -> new SamplingConfig(-0.1, 1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperature must be finite and >= 0 (0 = greedy), got -0.1");
    assertThatThrownBy(() -> new SamplingConfig(Double.NaN, 1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("temperature must be");
    assertThatThrownBy(() -> new SamplingConfig(1, 0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topP must be in (0, 1], got 0.0");
    assertThatThrownBy(() -> new SamplingConfig(1, 1.5, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topP must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> SamplingConfig.greedy(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNewTokens must be >= 1, got 0");
  }
}
