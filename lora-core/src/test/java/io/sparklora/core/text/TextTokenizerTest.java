package io.sparklora.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

  static final List<String> CORPUS =
      List.of(
          "the cat sat on the mat.\nthe dog sat on the log.",
          "Hello, world! Hello again, world.",
          "def f(x):\n    return x + 1\n");
  static final List<String> SPECIALS = List.of("<|endoftext|>", "<s>", "<pad>");

  @TempDir Path dir;

  private TextTokenizer build(int maxMerges) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, TokenizerBuilder.characterLevel(CORPUS, maxMerges, SPECIALS));
    return TextTokenizer.load(file);
  }

  @Test
  void roundTripsTextWithSpacesNewlinesAndPunctuation() throws IOException {
    try (TextTokenizer tok = build(50)) {
      for (String s :
          List.of(
              "the cat sat on the mat.",
              "  leading and trailing spaces  ",
              "line one\nline two\n\n\ttabbed\r\n",
              "Punctuation: !?.,;:'\"()[]{}<>-_=+*&^%$#@~`|\\/",
              "unseen chars: zqxj 0123456789",
              "non-ASCII: héllo wörld — ñ 日本 🙂")) {
        int[] ids = tok.encode(s);
        assertThat(ids).isNotEmpty();
        assertThat(tok.decode(ids)).isEqualTo(s);
      }
    }
  }

  @Test
  void mergesShortenFrequentWords() throws IOException {
    try (TextTokenizer bytes = build(0);
        TextTokenizer merged = build(50)) {
      String s = "the cat sat on the mat.";
      assertThat(bytes.encode(s)).hasSize(s.length());
      assertThat(merged.encode(s).length).isLessThan(s.length());
    }
  }

  @Test
  void longInputIsNotTruncated() throws IOException {
    try (TextTokenizer tok = build(0)) {
      String s = "ab ".repeat(1000);
      assertThat(tok.encode(s)).hasSize(3000);
      assertThat(tok.decode(tok.encode(s))).isEqualTo(s);
    }
  }

  @Test
  void specialTokenIdsAndVocabSize() throws IOException {
    try (TextTokenizer tok = build(0)) {
      assertThat(tok.eosTokenId()).isEqualTo(OptionalInt.of(0));
      assertThat(tok.bosTokenId()).isEqualTo(OptionalInt.of(1));
      assertThat(tok.tokenId("<pad>")).isEqualTo(OptionalInt.of(2));
      assertThat(tok.tokenId("a")).isEqualTo(OptionalInt.of(3 + 'a'));
      assertThat(tok.tokenId("no-such-token")).isEmpty();
      assertThat(tok.vocabSize()).isEqualTo(3 + 256);
      // Special tokens are not added on encode and are skipped on decode.
      int[] ids = tok.encode("a");
      assertThat(ids).containsExactly(3 + 'a');
      assertThat(tok.decode(new int[] {1, 3 + 'a', 0})).isEqualTo("a");
    }
    try (TextTokenizer tok = build(10)) {
      assertThat(tok.vocabSize()).isEqualTo(3 + 256 + 10);
    }
  }

  @Test
  void explicitEosOverride() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, TokenizerBuilder.characterLevel(CORPUS, 0, SPECIALS));
    try (TextTokenizer tok = TextTokenizer.load(file, "<pad>")) {
      assertThat(tok.eosTokenId()).isEqualTo(OptionalInt.of(2));
    }
    assertThatThrownBy(() -> TextTokenizer.load(file, "<nope>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<nope>")
        .hasMessageContaining(file.toString());
  }

  @Test
  void noWellKnownSpecialsMeansEmptyIds() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, TokenizerBuilder.characterLevel(CORPUS, 0, List.of("<custom>")));
    try (TextTokenizer tok = TextTokenizer.load(file)) {
      assertThat(tok.eosTokenId()).isEmpty();
      assertThat(tok.bosTokenId()).isEmpty();
    }
  }

  @Test
  void missingFileIsIoExceptionNamingIt() {
    Path missing = dir.resolve("nope/tokenizer.json");
    assertThatThrownBy(() -> TextTokenizer.load(missing))
        .isInstanceOf(IOException.class)
        .hasMessage("Tokenizer file not found: " + missing);
  }

  @Test
  void malformedJsonIsIoExceptionNamingIt() throws IOException {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", ");
    assertThatThrownBy(() -> TextTokenizer.load(bad))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Malformed tokenizer file " + bad);
  }

  @Test
  void validJsonThatIsNotATokenizerIsIoException() throws IOException {
    Path noModel = dir.resolve("nomodel.json");
    Files.writeString(noModel, "{\"version\": \"1.0\"}");
    assertThatThrownBy(() -> TextTokenizer.load(noModel))
        .isInstanceOf(IOException.class)
        .hasMessage("Malformed tokenizer file " + noModel + ": missing \"model\" object");

    Path badType = dir.resolve("badtype.json");
    Files.writeString(
        badType,
        TokenizerBuilder.characterLevel(CORPUS, 0, SPECIALS)
            .replace("\"type\" : \"BPE\"", "\"type\" : \"NoSuchModel\""));
    assertThatThrownBy(() -> TextTokenizer.load(badType))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Invalid tokenizer file " + badType);
  }

  @Test
  void decodeRejectsOutOfRangeIdsAndClosedUse() throws IOException {
    TextTokenizer tok = build(0);
    assertThatThrownBy(() -> tok.decode(new int[] {5, 259}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ids[1] = 259 is outside [0, 259)");
    tok.close();
    tok.close();
    assertThatThrownBy(() -> tok.encode("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("TextTokenizer is closed");
  }
}
