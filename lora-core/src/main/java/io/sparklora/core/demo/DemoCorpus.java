package io.sparklora.core.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's two text sources, generated from templates. The pretraining corpus talks about animals, places and
 * food, and uses every sound word, but never says which animal makes which sound; the fine-tuning task asks exactly
 * that, so the base does poorly before fine-tuning and the adapter has something to learn.
 */
public final class DemoCorpus {
    static final String[] ANIMALS = {"cat", "dog", "cow", "duck", "owl", "bee", "frog", "lion", "sheep", "horse"};
    static final String[] SOUNDS = {"meow", "woof", "moo", "quack", "hoot", "buzz", "croak", "roar", "baa", "neigh"};
    private static final String[] PLACES = {"barn", "pond", "field", "tree", "house", "hill", "river", "garden"};
    private static final String[] FOODS = {"grass", "seeds", "fish", "bread", "apples", "corn", "honey", "leaves"};
    private static final String[] TEMPLATES = {"the %s says", "what does the %s say?", "a %s goes", "sound of a %s:"};

    private DemoCorpus() {
    }

    /** Plain sentences for pretraining the base. */
    public static List<String> pretraining() {
        List<String> out = new ArrayList<>();
        for (int a = 0; a < ANIMALS.length; a++) {
            for (int p = 0; p < PLACES.length; p++) {
                String animal = ANIMALS[a];
                out.add("the " + animal + " lives near the " + PLACES[p] + ".");
                out.add("a " + animal + " eats " + FOODS[(a + p) % FOODS.length] + " by the " + PLACES[(a * 3 + p) % PLACES.length] + ".");
                out.add("what does the " + animal + " eat? it eats " + FOODS[(a * 5 + p) % FOODS.length] + ".");
                out.add("you can hear a " + SOUNDS[a] + " from the " + PLACES[p] + ".");
            }
        }
        return out;
    }

    /** Prompt/completion pairs of the fine-tuning task: an animal's sound, asked four ways. */
    public static List<String[]> task() {
        List<String[]> out = new ArrayList<>();
        for (String template : TEMPLATES) {
            for (int a = 0; a < ANIMALS.length; a++) {
                out.add(new String[] {String.format(template, ANIMALS[a]) + " ", SOUNDS[a] + "."});
            }
        }
        return out;
    }
}
