package io.sparklora.core.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's {@link HuggingFaceTokenizer}.
 *
 * <p>Thread-safe for encode/decode. A read-write lock keeps {@link #close()} from freeing the
 * native handle while another thread is still inside it.
 */
public final class TextTokenizer implements AutoCloseable {

  private static final String[] EOS_NAMES = {"</s>", "<|endoftext|>", "<eos>", "<|eot_id|>"};
  private static final String[] BOS_NAMES = {"<s>", "<|begin_of_text|>", "<bos>"};

  /**
   * DJL defaults to truncating at 512 tokens and padding; training needs neither, and special
   * tokens are placed explicitly by {@link ExampleEncoder}.
   */
  private static final Map<String, String> DJL_OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer djl;
  private final TokenizerVocab vocab;
  private final OptionalInt eosId;
  private final OptionalInt bosId;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private TextTokenizer(HuggingFaceTokenizer djl, TokenizerVocab vocab, OptionalInt eosId) {
    this.djl = djl;
    this.vocab = vocab;
    this.eosId = eosId;
    this.bosId = vocab.firstPresent(BOS_NAMES);
  }

  /** Loads a tokenizer, detecting EOS from well-known token names. */
  public static TextTokenizer load(Path tokenizerJson) throws IOException {
    return load(tokenizerJson, null);
  }

  /**
   * Loads a tokenizer with an explicit EOS token ({@code null}: detect from well-known names).
   *
   * @throws IOException if the file is missing, unreadable or not a valid tokenizer.json
   * @throws IllegalArgumentException if {@code eosToken} is not in the vocabulary
   */
  public static TextTokenizer load(Path tokenizerJson, String eosToken) throws IOException {
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IOException("Tokenizer file not found: " + tokenizerJson);
    }
    byte[] bytes = Files.readAllBytes(tokenizerJson);
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new IOException(
          "Malformed tokenizer file " + tokenizerJson + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("Malformed tokenizer file " + tokenizerJson + ": not a JSON object");
    }
    TokenizerVocab vocab = TokenizerVocab.parse(root, tokenizerJson);
    OptionalInt eos = eosToken == null ? vocab.firstPresent(EOS_NAMES) : vocab.id(eosToken);
    if (eosToken != null && eos.isEmpty()) {
      throw new IllegalArgumentException(
          "eosToken '" + eosToken + "' is not in the vocabulary of " + tokenizerJson);
    }
    return new TextTokenizer(openDjl(bytes, tokenizerJson), vocab, eos);
  }

  private static HuggingFaceTokenizer openDjl(byte[] json, Path file) throws IOException {
    try (InputStream in = new ByteArrayInputStream(json)) {
      return HuggingFaceTokenizer.newInstance(in, DJL_OPTIONS);
    } catch (RuntimeException e) {
      // The native side reports schema errors (unknown model type, bad merges) as runtime errors.
      throw new IOException("Invalid tokenizer file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Token ids of {@code text}; no special tokens are added. */
  public int[] encode(String text) {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      ensureOpen();
      long[] ids = djl.encode(text, false, false).getIds();
      int[] out = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        out[i] = Math.toIntExact(ids[i]);
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Text of {@code ids}, skipping special tokens. */
  public String decode(int[] ids) {
    Objects.requireNonNull(ids, "ids");
    long[] longIds = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocab.size()) {
        throw new IllegalArgumentException(
            "ids[" + i + "] = " + ids[i] + " is outside [0, " + vocab.size() + ")");
      }
      longIds[i] = ids[i];
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      return djl.decode(longIds, true);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Model vocabulary plus added tokens: max id + 1. */
  public int vocabSize() {
    return vocab.size();
  }

  public OptionalInt tokenId(String token) {
    return vocab.id(Objects.requireNonNull(token, "token"));
  }

  public OptionalInt eosTokenId() {
    return eosId;
  }

  public OptionalInt bosTokenId() {
    return bosId;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("TextTokenizer is closed");
    }
  }

  /** Frees the native tokenizer; idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        djl.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "TextTokenizer[vocabSize=" + vocab.size() + ", eos=" + eosId + ", bos=" + bosId + "]";
  }
}
