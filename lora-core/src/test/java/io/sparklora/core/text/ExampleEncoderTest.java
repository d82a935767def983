package io.sparklora.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleEncoderTest {

  @TempDir Path dir;
  private TextTokenizer tok;

  @BeforeEach
  void load() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    // No merges: one token per byte, so expected ids are easy to state.
    Files.writeString(
        file, TokenizerBuilder.characterLevel(List.of(), 0, List.of("</s>", "<s>")));
    tok = TextTokenizer.load(file);
  }

  @AfterEach
  void close() {
    tok.close();
  }

  private static int id(char c) {
    return 2 + c;
  }

  @Test
  void promptIsMaskedCompletionAndEosAreInLoss() {
    TokenizedExample ex = new ExampleEncoder(tok, true, true).encode(new TextExample("Q:", "ab"));
    assertThat(ex.tokens()).containsExactly(1, id('Q'), id(':'), id('a'), id('b'), 0);
    assertThat(ex.inLoss()).containsExactly(false, false, false, true, true, true);
  }

  @Test
  void plainTextIsAllInLossExceptBos() {
    TokenizedExample ex = new ExampleEncoder(tok, true, false).encode(TextExample.plain("hi"));
    assertThat(ex.tokens()).containsExactly(1, id('h'), id('i'));
    assertThat(ex.inLoss()).containsExactly(false, true, true);

    TokenizedExample bare = new ExampleEncoder(tok, false, false).encode(TextExample.plain("hi"));
    assertThat(bare.tokens()).containsExactly(id('h'), id('i'));
    assertThat(bare.inLoss()).containsExactly(true, true);
  }

  @Test
  void missingSpecialTokenIsRejected() throws IOException {
    Path file = dir.resolve("nospecial.json");
    Files.writeString(file, TokenizerBuilder.characterLevel(List.of(), 0, List.of()));
    try (TextTokenizer plain = TextTokenizer.load(file)) {
      assertThatThrownBy(() -> new ExampleEncoder(plain, true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("BOS requested but the tokenizer has no BOS token");
      assertThatThrownBy(() -> new ExampleEncoder(plain, false, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("EOS requested but the tokenizer has no EOS token");
    }
  }
}
