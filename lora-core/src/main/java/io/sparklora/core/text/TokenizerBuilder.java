package io.sparklora.core.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes small but valid Hugging Face {@code tokenizer.json} files for test and demo models.
 *
 * <p>The scheme is GPT-2's byte-level BPE: a {@code ByteLevel} pre-tokenizer and decoder and a
 * vocabulary holding all 256 byte symbols, so any text (spaces, newlines, non-ASCII) round-trips
 * losslessly even when the corpus never showed a character. Both DJL and Python's {@code
 * tokenizers} load the result.
 */
public final class TokenizerBuilder {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TokenizerBuilder() {}

  /**
   * Builds a byte-level BPE tokenizer.
   *
   * @param corpus texts to learn merges from (may be empty: then the tokenizer is pure byte-level)
   * @param maxMerges upper bound on learned merges, {@code >= 0}
   * @param specialTokens special tokens, given ids {@code 0..k-1} in order
   * @return the {@code tokenizer.json} text; vocabulary = special tokens, then the 256 byte
   *     symbols in byte order, then one entry per new merged symbol in merge order
   */
  public static String characterLevel(
      Collection<String> corpus, int maxMerges, List<String> specialTokens) {
    Objects.requireNonNull(corpus, "corpus");
    Objects.requireNonNull(specialTokens, "specialTokens");
    if (maxMerges < 0) {
      throw new IllegalArgumentException("maxMerges must be >= 0, got " + maxMerges);
    }
    List<String> bytes = new ArrayList<>(256);
    for (int b = 0; b < 256; b++) {
      bytes.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
    }
    Set<String> specials = validateSpecials(specialTokens, new HashSet<>(bytes));
    BpeTrainer.Result learned = BpeTrainer.train(corpus, bytes, specials, maxMerges);

    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    ObjectNode vocab = JSON.createObjectNode();
    int id = 0;
    for (String special : specialTokens) {
      added.add(addedToken(id, special));
      vocab.put(special, id++);
    }
    for (String symbol : learned.symbols()) {
      vocab.put(symbol, id++);
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel());
    root.putNull("post_processor");
    root.set("decoder", byteLevel());
    root.set("model", bpeModel(vocab, learned.merges()));
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> validateSpecials(List<String> specialTokens, Set<String> byteSymbols) {
    Set<String> seen = new LinkedHashSet<>();
    for (String s : specialTokens) {
      if (s == null || s.isEmpty()) {
        throw new IllegalArgumentException("specialTokens must be non-empty strings");
      }
      if (!seen.add(s)) {
        throw new IllegalArgumentException("specialTokens contains duplicate '" + s + "'");
      }
      // A special equal to a byte symbol would share its vocabulary key and steal its id.
      if (byteSymbols.contains(s)) {
        throw new IllegalArgumentException(
            "special token '" + s + "' collides with a byte-level symbol");
      }
    }
    return seen;
  }

  private static ObjectNode addedToken(int id, String content) {
    ObjectNode t = JSON.createObjectNode();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", false);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
    return t;
  }

  /** No prefix space: a prefix would make decode(encode(s)) differ from s. */
  private static ObjectNode byteLevel() {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", false);
    n.put("trim_offsets", true);
    n.put("use_regex", true);
    return n;
  }

  private static ObjectNode bpeModel(ObjectNode vocab, List<String[]> merges) {
    ObjectNode m = JSON.createObjectNode();
    m.put("type", "BPE");
    m.putNull("dropout");
    m.putNull("unk_token");
    m.putNull("continuing_subword_prefix");
    m.putNull("end_of_word_suffix");
    m.put("fuse_unk", false);
    m.put("byte_fallback", false);
    m.set("vocab", vocab);
    ArrayNode mergeList = m.putArray("merges");
    // "left right" strings are the format every tokenizers version reads; byte-level symbols
    // never contain a space, so the split is unambiguous.
    for (String[] pair : merges) {
      mergeList.add(pair[0] + " " + pair[1]);
    }
    return m;
  }
}
