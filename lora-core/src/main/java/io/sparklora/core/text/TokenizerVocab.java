package io.sparklora.core.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Token-to-id table read from a {@code tokenizer.json}: the model vocabulary (an object for
 * BPE/WordPiece/WordLevel, a list of [piece, score] for Unigram) plus {@code added_tokens}. DJL
 * exposes no vocabulary lookup, hence this separate parse.
 */
final class TokenizerVocab {

  private final Map<String, Integer> ids;
  private final int size;

  private TokenizerVocab(Map<String, Integer> ids) {
    this.ids = Map.copyOf(ids);
    this.size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
  }

  static TokenizerVocab parse(JsonNode root, Path file) throws IOException {
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new IOException("Malformed tokenizer file " + file + ": missing \"model\" object");
    }
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = model.get("vocab");
    if (vocab != null && vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), requireId(e.getValue(), e.getKey(), file));
      }
    } else if (vocab != null && vocab.isArray()) {
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).path(0).asText(), i);
      }
    } else {
      throw new IOException("Malformed tokenizer file " + file + ": missing model.vocab");
    }
    for (JsonNode added : root.path("added_tokens")) {
      String content = added.path("content").asText(null);
      if (content == null) {
        throw new IOException("Malformed tokenizer file " + file + ": added token without content");
      }
      ids.put(content, requireId(added.get("id"), content, file));
    }
    return new TokenizerVocab(ids);
  }

  private static int requireId(JsonNode id, String token, Path file) throws IOException {
    if (id == null || !id.canConvertToInt() || id.asInt() < 0) {
      throw new IOException(
          "Malformed tokenizer file " + file + ": token '" + token + "' has no valid id");
    }
    return id.asInt();
  }

  /** Max id + 1, which covers gaps left by added tokens placed past the model vocabulary. */
  int size() {
    return size;
  }

  OptionalInt id(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The id of the first of {@code candidates} present in the vocabulary. */
  OptionalInt firstPresent(String... candidates) {
    for (String c : candidates) {
      OptionalInt id = id(c);
      if (id.isPresent()) {
        return id;
      }
    }
    return OptionalInt.empty();
  }
}
