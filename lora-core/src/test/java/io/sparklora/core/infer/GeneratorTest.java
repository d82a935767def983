package io.sparklora.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GeneratorTest {

  private static final int VOCAB = 10;

  /** A fake model whose most likely next token is (last token + 1) mod VOCAB. */
  private static final class CountingModel implements NextTokenModel {
    final List<int[]> contexts = new ArrayList<>();

    @Override
    public float[] nextTokenLogits(int[] context) {
      contexts.add(context.clone());
      float[] logits = new float[VOCAB];
      logits[(context[context.length - 1] + 1) % VOCAB] = 10f;
      return logits;
    }
  }

  @Test
  void stopsAtEosWithoutReturningIt() {
    CountingModel model = new CountingModel();
    Generator gen = new Generator(model, 16);
    int[] out = gen.generate(new int[] {1}, SamplingConfig.greedy(20), OptionalInt.of(5));
    assertThat(out).containsExactly(2, 3, 4);
    assertThat(model.contexts).hasSize(4);
  }

  @Test
  void stopsAtMaxNewTokens() {
    int[] out =
        new Generator(new CountingModel(), 16)
            .generate(new int[] {7, 8}, SamplingConfig.greedy(5), OptionalInt.empty());
    assertThat(out).containsExactly(9, 0, 1, 2, 3);
  }

  @Test
  void truncatesContextOnTheLeft() {
    CountingModel model = new CountingModel();
    Generator gen = new Generator(model, 3);
    gen.generate(new int[] {1, 2, 3, 4}, SamplingConfig.greedy(3), OptionalInt.empty());
    assertThat(model.contexts)
        .containsExactly(new int[] {2, 3, 4}, new int[] {3, 4, 5}, new int[] {4, 5, 6});
  }

  @Test
  void sampledGenerationIsDeterministicForASeed() {
    NextTokenModel uniform = ctx -> new float[VOCAB];
    Generator gen = new Generator(uniform, 8);
    SamplingConfig cfg = new SamplingConfig(1, 1, 50, 99);
    int[] a = gen.generate(new int[] {0}, cfg, OptionalInt.empty());
    int[] b = gen.generate(new int[] {0}, cfg, OptionalInt.empty());
    assertThat(a).hasSize(50).isEqualTo(b);
    assertThat(Arrays.stream(a).distinct().count()).isGreaterThan(1);
  }

  @Test
  void rejectsInvalidArguments() {
    assertThatThrownBy(() -> new Generator(new CountingModel(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxContext must be >= 1, got 0");
    Generator gen = new Generator(new CountingModel(), 4);
    SamplingConfig cfg = SamplingConfig.greedy(1);
    assertThatThrownBy(() -> gen.generate(new int[0], cfg, OptionalInt.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prompt must not be empty");
  }

  @Test
  void aModelLimitedToTheTokenizersVocabularyNeverEmitsAPaddedId() {
    NextTokenModel padded = context -> new float[] {0.1f, 0.5f, 0.2f, 9f, 8f}; // ids 3 and 4: padding
    int[] out = new Generator(padded.limitedTo(3), 8).generate(new int[] {0}, SamplingConfig.greedy(4), OptionalInt.empty());
    assertThat(out).containsOnly(1);
    assertThat(padded.limitedTo(10).nextTokenLogits(new int[] {0})).hasSize(5);
  }
}
