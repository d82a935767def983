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
 * <p>{@link #characterLevel} is GPT-2's byte-level BPE: a {@code ByteLevel} pre-tokenizer and decoder and a
 * vocabulary holding all 256 byte symbols, so any text (spaces, newlines, non-ASCII) round-trips
 * losslessly even when the corpus never showed a character. {@link #wordPiece} is BERT's uncased
 * WordPiece over a given word list. Both DJL and Python's {@code tokenizers} load the result.
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

  /** BERT's special tokens, in the ids {@link #wordPiece} gives them (bert-base-uncased's order differs). */
  public static final List<String> BERT_SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  /**
   * Builds BERT's uncased WordPiece tokenizer over whole words: BertNormalizer (lower case),
   * BertPreTokenizer (whitespace and punctuation), a WordPiece model whose vocabulary is {@link
   * #BERT_SPECIALS} (ids 0-4) then {@code words} in order, and the post-processor Hugging Face's
   * BERT tokenizers carry ({@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]} with token types
   * 0 and 1), so Python's {@code tokenizers} frames rows as {@link SentencePairEncoder} does.
   *
   * @param words lower-case words and punctuation marks, each once; a word outside them reads as [UNK]
   */
  public static String wordPiece(List<String> words) {
    Set<String> seen = new LinkedHashSet<>(BERT_SPECIALS);
    for (String w : words) {
      if (w == null || w.isEmpty() || !w.equals(w.toLowerCase(java.util.Locale.ROOT)) || w.contains(" ")) {
        throw new IllegalArgumentException("word '" + w + "' must be non-empty lower case without spaces");
      }
      if (!seen.add(w)) {
        throw new IllegalArgumentException("word '" + w + "' is listed twice");
      }
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < BERT_SPECIALS.size(); i++) {
      added.add(addedToken(i, BERT_SPECIALS.get(i)));
    }
    root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
        .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    root.set("post_processor", bertTemplate());
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
        .put("max_input_chars_per_word", 100);
    ObjectNode vocab = model.putObject("vocab");
    int id = 0;
    for (String token : seen) {
      vocab.put(token, id++);
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** TemplateProcessing as in bert-base-uncased's tokenizer.json. */
  private static ObjectNode bertTemplate() {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "TemplateProcessing");
    ArrayNode single = p.putArray("single");
    special(single, "[CLS]", 0);
    sequence(single, "A", 0);
    special(single, "[SEP]", 0);
    ArrayNode pair = p.putArray("pair");
    special(pair, "[CLS]", 0);
    sequence(pair, "A", 0);
    special(pair, "[SEP]", 0);
    sequence(pair, "B", 1);
    special(pair, "[SEP]", 1);
    ObjectNode tokens = p.putObject("special_tokens");
    for (String t : List.of("[CLS]", "[SEP]")) {
      ObjectNode entry = tokens.putObject(t);
      entry.put("id", t);
      entry.putArray("ids").add(BERT_SPECIALS.indexOf(t));
      entry.putArray("tokens").add(t);
    }
    return p;
  }

  private static void special(ArrayNode template, String token, int typeId) {
    template.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
  }

  private static void sequence(ArrayNode template, String id, int typeId) {
    template.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
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
