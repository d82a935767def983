package io.sparklora.jobs.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.testing.TinyModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A sequence-classification job in miniature: a random tiny BERT (config.json's head has 3 labels a, b, c; the job
 * names 2 others, so the run trains a new head) with a WordPiece tokenizer.json of its 29 ids, and sentence pairs
 * labelled "positive" when the first text holds "good", else "negative".
 */
public final class TinyClassifierJob {
    private static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "the", "cat", "dog", "bird", "fish", "sat", "ran", "ate", "saw", "on", "in", "a", "mat", "tree", "pond",
            "good", "bad", "very", "not", "and", "is", "was", "it", ".");

    private TinyClassifierJob() {
    }

    /** Writes bert/ (config.json, model.safetensors, tokenizer.json) under dir and returns its path. */
    public static Path model(Path dir) throws IOException {
        if (VOCAB.size() != TinyModels.VOCAB) {
            throw new IllegalStateException("the tokenizer must hold the model's " + TinyModels.VOCAB + " ids");
        }
        BaseModel base = TinyModels.random(TinyModels.bert(), 23);
        Path model = TinyModels.write(base, dir.resolve("bert"));
        Files.writeString(model.resolve("tokenizer.json"), wordPiece());
        return model;
    }

    private static String wordPiece() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 5; i++) {
            added.addObject().put("id", i).put("content", VOCAB.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < VOCAB.size(); i++) {
            vocab.put(VOCAB.get(i), i);
        }
        return root.toPrettyString();
    }

    /**
     * Writes {@code rows} labelled pairs ({"text", "context", "label"}) to data/pairs.jsonl, plus {@code unknown}
     * rows whose label ("neutral") is not one of the task's.
     */
    public static Path dataset(Path dir, int rows, int unknown, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> nouns = List.of("cat", "dog", "bird", "fish");
        List<String> places = List.of("mat", "tree", "pond");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows + unknown; i++) {
            boolean good = i % 2 == 0;
            String text = "the " + nouns.get(rng.nextInt(4)) + " was " + (good ? "good" : "bad");
            String context = "it sat on a " + places.get(rng.nextInt(3));
            String label = i >= rows ? "neutral" : good ? "positive" : "negative";
            lines.add("{\"text\": \"" + text + "\", \"context\": \"" + context + "\", \"label\": \"" + label + "\"}");
        }
        Path data = dir.resolve("classification");
        Files.createDirectories(data);
        Files.write(data.resolve("pairs.jsonl"), lines);
        return data.resolve("pairs.jsonl");
    }

    /**
     * Writes {@code rows} multi-label pairs to data/multi.jsonl: {"text", "context", "labels"} where labels is a JSON
     * array of the classes cat, dog (the animal named in the text) and pond (the place in the context), empty when
     * none applies; plus {@code unknown} rows that name a class ("weather") the task does not have.
     */
    public static Path multiLabelDataset(Path dir, int rows, int unknown, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> nouns = List.of("cat", "dog", "bird", "fish");
        List<String> places = List.of("mat", "tree", "pond");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows + unknown; i++) {
            String noun = nouns.get(rng.nextInt(4));
            String place = places.get(rng.nextInt(3));
            List<String> labels = new ArrayList<>();
            if (noun.equals("cat") || noun.equals("dog")) {
                labels.add("\"" + noun + "\"");
            }
            if (place.equals("pond")) {
                labels.add("\"pond\"");
            }
            if (i >= rows) {
                labels.add("\"weather\"");
            }
            lines.add("{\"text\": \"the " + noun + " was " + (rng.nextBoolean() ? "good" : "bad") + "\", \"context\": "
                    + "\"it sat on a " + place + "\", \"labels\": [" + String.join(", ", labels) + "]}");
        }
        Path data = dir.resolve("classification");
        Files.createDirectories(data);
        Files.write(data.resolve("multi.jsonl"), lines);
        return data.resolve("multi.jsonl");
    }

    /** A multi-label job (classes cat, dog, pond from the "labels" arrays) over the given model, data and output. */
    public static String multiLabelYaml(String model, String data, String output, int workers, int rounds) {
        return yaml(model, data, output, workers, rounds).replace("label_column: label", "label_column: labels")
                .replace("label_names: [negative, positive]", "label_names: [cat, dog, pond]\n"
                        + "  problem_type: multi_label_classification");
    }

    /** A classification job over the given model, data and output. */
    public static String yaml(String model, String data, String output, int workers, int rounds) {
        return """
                model:
                  path: %s
                lora:
                  r: 4
                  alpha: 8
                  target_modules: [query, value]
                data:
                  path: %s
                  max_seq_len: 12
                  validation_fraction: 0.25
                  max_bad_row_fraction: 0.1
                task:
                  label_column: label
                  text_pair_column: context
                  label_names: [negative, positive]
                train:
                  batch_rows: 8
                  micro_batch_rows: 2
                  rounds: %d
                  learning_rate: 0.01
                  schedule: constant
                distributed:
                  workers: %d
                checkpoint:
                  every_rounds: 3
                output:
                  path: %s
                """.formatted(model, data, rounds, workers, output);
    }
}
