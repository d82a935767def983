package io.sparklora.core.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Greedy BPE merge learning over byte-level words. Words come from the same GPT-2 split regex the
 * {@code ByteLevel} pre-tokenizer uses, so merges never span what the tokenizer will see as
 * separate pre-tokens. Each step merges the most frequent adjacent pair (ties: lowest symbol ids,
 * which makes the result deterministic); learning stops at {@code maxMerges} or when no pair occurs
 * at least twice, since a pair seen once does not compress anything worth a vocabulary slot. A
 * pair whose merged string equals a reserved string (a special token) is never merged, so special
 * tokens keep their own ids.
 */
final class BpeTrainer {

  /** GPT-2's pre-tokenization pattern (Unicode classes, as in the Rust regex). */
  private static final Pattern GPT2_SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** Learned merges in rank order, and every symbol string in id order (base symbols first). */
  record Result(List<String[]> merges, List<String> symbols) {}

  private final List<String> symbols = new ArrayList<>();
  private final Map<String, Integer> symbolIds = new HashMap<>();

  private BpeTrainer() {}

  /** Learns merges on top of the given base symbols (which must cover every word character). */
  static Result train(
      Iterable<String> corpus, List<String> baseSymbols, Set<String> reserved, int maxMerges) {
    BpeTrainer trainer = new BpeTrainer();
    baseSymbols.forEach(trainer::symbolId);
    return trainer.run(corpus, reserved, maxMerges);
  }

  private Result run(Iterable<String> corpus, Set<String> reserved, int maxMerges) {
    Map<String, Integer> wordCounts = countWords(corpus);
    List<int[]> words = new ArrayList<>(wordCounts.size());
    int[] freqs = new int[wordCounts.size()];
    int w = 0;
    for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
      String word = e.getKey();
      int[] ids = new int[word.length()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = symbolId(String.valueOf(word.charAt(i)));
      }
      words.add(ids);
      freqs[w++] = e.getValue();
    }
    List<String[]> merges = new ArrayList<>();
    Set<Long> banned = new HashSet<>();
    while (merges.size() < maxMerges) {
      long best = bestPair(words, freqs, banned);
      if (best < 0) {
        break;
      }
      int left = (int) (best >>> 32);
      int right = (int) best;
      String mergedText = symbols.get(left) + symbols.get(right);
      if (reserved.contains(mergedText)) {
        banned.add(best);
        continue;
      }
      int merged = symbolId(mergedText);
      merges.add(new String[] {symbols.get(left), symbols.get(right)});
      for (int i = 0; i < words.size(); i++) {
        words.set(i, applyMerge(words.get(i), left, right, merged));
      }
    }
    return new Result(merges, List.copyOf(symbols));
  }

  private static Map<String, Integer> countWords(Iterable<String> corpus) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String text : corpus) {
      Matcher m = GPT2_SPLIT.matcher(text);
      while (m.find()) {
        counts.merge(ByteLevelAlphabet.encode(m.group()), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The most frequent pair packed as (left << 32 | right), or -1 if none occurs twice. */
  private static long bestPair(List<int[]> words, int[] freqs, Set<Long> banned) {
    Map<Long, Integer> counts = new HashMap<>();
    for (int i = 0; i < words.size(); i++) {
      int[] ids = words.get(i);
      for (int j = 0; j + 1 < ids.length; j++) {
        counts.merge(pairKey(ids[j], ids[j + 1]), freqs[i], Integer::sum);
      }
    }
    long best = -1;
    int bestCount = 1;
    for (Map.Entry<Long, Integer> e : counts.entrySet()) {
      int c = e.getValue();
      long key = e.getKey();
      if (banned.contains(key)) {
        continue;
      }
      if (c > bestCount || (c == bestCount && best >= 0 && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    return best;
  }

  private static int[] applyMerge(int[] ids, int left, int right, int merged) {
    int[] out = new int[ids.length];
    int n = 0;
    for (int j = 0; j < ids.length; j++) {
      if (j + 1 < ids.length && ids[j] == left && ids[j + 1] == right) {
        out[n++] = merged;
        j++;
      } else {
        out[n++] = ids[j];
      }
    }
    return n == ids.length ? ids : Arrays.copyOf(out, n);
  }

  private static long pairKey(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  /** Id of a symbol string; a merge that re-creates an existing string reuses its id, as in HF. */
  private int symbolId(String symbol) {
    return symbolIds.computeIfAbsent(
        symbol,
        s -> {
          symbols.add(s);
          return symbols.size() - 1;
        });
  }
}
