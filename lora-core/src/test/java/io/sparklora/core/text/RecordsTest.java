package io.sparklora.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecordsTest {

  @Test
  void textExampleValidation() {
    assertThat(TextExample.plain("hi").hasPrompt()).isFalse();
    assertThat(new TextExample("Q", "A").hasPrompt()).isTrue();
    assertThatThrownBy(() -> new TextExample(null, "A"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt");
    assertThatThrownBy(() -> TextExample.plain(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("completion must be a non-empty string");
  }

  @Test
  void tokenizedExampleValidationAndValueSemantics() {
    int[] tokens = {1, 2};
    boolean[] inLoss = {false, true};
    TokenizedExample ex = new TokenizedExample(tokens, inLoss);
    tokens[0] = 7;
    ex.tokens()[1] = 7;
    assertThat(ex.tokens()).containsExactly(1, 2);
    assertThat(ex.lossTokenCount()).isEqualTo(1);
    assertThat(ex).isEqualTo(new TokenizedExample(new int[] {1, 2}, new boolean[] {false, true}));
    assertThatThrownBy(() -> new TokenizedExample(new int[] {1}, new boolean[] {true, true}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inLoss length must equal tokens length 1, got 2");
    assertThatThrownBy(() -> new TokenizedExample(new int[] {-3}, new boolean[] {true}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokens[0] must be >= 0, got -3");
  }

  @Test
  void trainingRowValidation() {
    TrainingRow row = new TrainingRow(new int[] {1, 2, 0}, new int[] {2, -1, -1});
    assertThat(row.length()).isEqualTo(3);
    assertThat(row.lossTokenCount()).isEqualTo(1);
    assertThatThrownBy(() -> new TrainingRow(new int[0], new int[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokens length must be >= 1, got 0");
    assertThatThrownBy(() -> new TrainingRow(new int[] {1}, new int[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("targets length must equal tokens length 1, got 2");
    assertThatThrownBy(() -> new TrainingRow(new int[] {1}, new int[] {-2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("targets[0] must be >= 0 or IGNORE (-1), got -2");
    assertThatThrownBy(() -> new TrainingRow(new int[] {-1}, new int[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokens[0] must be >= 0, got -1");
  }
}
