package io.sparklora.core.demo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The classification demo's world and its two text sources. Ten animals, five tame and five wild, each have one
 * home, one food and one sound. The pretraining corpus states these facts in many phrasings, alone and as sentence
 * pairs whose second sentence says "it" (so masked-language modelling has to look across the pair to the animal),
 * but never says which animals are tame. The labelled task gives two facts about an animal it does not name
 * ("it lives in the barn." / "it eats grass.") and asks "tame" or "wild": the base has never seen a label, so its new
 * head answers at chance until fine-tuning. Each fact word belongs to one animal, so the answer is lexical: an
 * untrained encoder of the same shape learns it about as fast (README, "The classification demo").
 */
public final class EncoderDemoCorpus {
    /** The first five are tame, the last five wild. */
    static final String[] ANIMALS = {"cat", "dog", "cow", "sheep", "horse", "lion", "owl", "frog", "wolf", "bee"};
    static final String[] HOMES = {"house", "kennel", "barn", "field", "stable", "den", "tree", "river", "forest", "hive"};
    static final String[] FOODS = {"fish", "bones", "grass", "clover", "hay", "meat", "mice", "flies", "rabbits", "nectar"};
    static final String[] SOUNDS = {"meow", "woof", "moo", "baa", "neigh", "roar", "hoot", "croak", "howl", "buzz"};
    static final int TAME = 5;
    public static final List<String> LABELS = List.of("tame", "wild");
    static final long TASK_SEED = 11_2026L;
    static final int TASK_ROWS = 480;

    private EncoderDemoCorpus() {
    }

    /** A text and an optional second text (null), as the encoder reads them. */
    public record Pair(String text, String pair) {
    }

    /** A labelled task row. */
    public record Example(String text, String pair, String label) {
    }

    /** The fact of kind k (0 home, 1 food, 2 sound) about animal a, as a sentence about {@code subject}. */
    static String fact(String subject, int kind, int a, int phrasing) {
        return switch (kind) {
            case 0 -> phrasing == 0 ? subject + " lives in the " + HOMES[a] + "." : subject + " sleeps in the " + HOMES[a] + ".";
            case 1 -> phrasing == 0 ? subject + " eats " + FOODS[a] + "." : subject + " likes " + FOODS[a] + ".";
            default -> phrasing == 0 ? subject + " says " + SOUNDS[a] + "." : subject + " goes " + SOUNDS[a] + ".";
        };
    }

    /** The pretraining rows: every fact alone in each phrasing, and every ordered pair of facts of one animal. */
    public static List<Pair> pretraining() {
        List<Pair> out = new ArrayList<>();
        for (int a = 0; a < ANIMALS.length; a++) {
            for (int k = 0; k < 3; k++) {
                for (int p = 0; p < 2; p++) {
                    out.add(new Pair(fact("the " + ANIMALS[a], k, a, p), null));
                    out.add(new Pair(fact("a " + ANIMALS[a], k, a, p), null));
                    for (int k2 = 0; k2 < 3; k2++) {
                        if (k2 != k) {
                            out.add(new Pair(fact("the " + ANIMALS[a], k, a, p), fact("it", k2, a, 1 - p)));
                        }
                    }
                }
            }
            out.add(new Pair("the " + ANIMALS[a] + " lives in the " + HOMES[a] + " and eats " + FOODS[a] + ".", null));
            out.add(new Pair("in the " + HOMES[a] + " the " + ANIMALS[a] + " says " + SOUNDS[a] + ".", null));
        }
        return out;
    }

    /**
     * The labelled task: two facts of different kinds about one animal, each saying "it", labelled "tame" or
     * "wild"; balanced and shuffled from a fixed seed.
     */
    public static List<Example> task() {
        Random rng = new Random(TASK_SEED);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < TASK_ROWS; i++) {
            boolean tame = i % 2 == 0;
            int a = tame ? rng.nextInt(TAME) : TAME + rng.nextInt(ANIMALS.length - TAME);
            int k = rng.nextInt(3);
            int k2 = (k + 1 + rng.nextInt(2)) % 3;
            out.add(new Example(fact("it", k, a, rng.nextInt(2)), fact("it", k2, a, rng.nextInt(2)),
                    LABELS.get(tame ? 0 : 1)));
        }
        java.util.Collections.shuffle(out, rng);
        return out;
    }

    /** Every word and punctuation mark of both sources, in order of first use: the tokenizer's vocabulary. */
    public static List<String> words() {
        Set<String> words = new LinkedHashSet<>();
        List<String> texts = new ArrayList<>();
        pretraining().forEach(p -> {
            texts.add(p.text());
            if (p.pair() != null) {
                texts.add(p.pair());
            }
        });
        task().forEach(e -> {
            texts.add(e.text());
            texts.add(e.pair());
        });
        for (String t : texts) {
            for (String w : t.replace(".", " .").split(" ")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        return new ArrayList<>(words);
    }
}
