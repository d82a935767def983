package io.sparklora.core.text;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character map, the one Hugging Face's {@code ByteLevel} pre-tokenizer
 * and decoder use. Printable bytes map to themselves; the rest are shifted to code points 256+ so
 * every byte becomes a visible, non-space character and merges can be written as "a b".
 */
final class ByteLevelAlphabet {

  private static final char[] BYTE_TO_CHAR = buildTable();

  private ByteLevelAlphabet() {}

  /** The character that stands for byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** Maps the UTF-8 bytes of {@code text} to byte-level characters. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      sb.append(charOf(b));
    }
    return sb.toString();
  }

  private static char[] buildTable() {
    char[] table = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      table[b] = printable ? (char) b : (char) next++;
    }
    return table;
  }
}
