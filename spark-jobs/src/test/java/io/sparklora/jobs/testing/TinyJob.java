package io.sparklora.jobs.testing;

import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.TokenizerBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A tiny LLaMA-family model with its own tokenizer, a small JSON Lines dataset, and a job YAML over them. */
public final class TinyJob {
    public static final List<String> CORPUS = corpus();

    private TinyJob() {
    }

    private static List<String> corpus() {
        String[] animals = {"cat", "dog", "bird", "fish", "fox", "owl"};
        String[] places = {"mat", "log", "hill", "pond", "box", "tree"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            lines.add("the " + animals[i % animals.length] + " sat on the " + places[(i * 5) % places.length] + ".");
        }
        return lines;
    }

    /** Writes model/ (config.json, model.safetensors, tokenizer.json) under dir and returns its path. */
    public static Path model(Path dir) throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        String tokenizerJson = TokenizerBuilder.characterLevel(CORPUS, 40, List.of("<|endoftext|>"));
        Files.writeString(model.resolve("tokenizer.json"), tokenizerJson);
        int vocab;
        try (var tok = io.sparklora.core.text.TextTokenizer.load(model.resolve("tokenizer.json"))) {
            vocab = tok.vocabSize();
        }
        ModelConfig config = new ModelConfig(ModelFamily.LLAMA, "llama", vocab, 32, 2, 4, 2, 8, 64, 64, 1e-6, 10000, true,
                false, false, false, 0);
        BaseModel base = TinyModels.random(config, 17);
        TinyModels.write(base, model);
        return model;
    }

    /** Writes data/train.jsonl with one {"text": ...} object per line. */
    public static Path dataset(Path dir) throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        StringBuilder sb = new StringBuilder();
        for (String line : CORPUS) {
            sb.append("{\"text\": \"").append(line).append("\"}\n");
        }
        Files.writeString(data.resolve("train.jsonl"), sb.toString());
        return data.resolve("train.jsonl");
    }

    /** A job YAML over the given model, data and output (all strings are paths or URIs). */
    public static String yaml(String model, String data, String output, int workers, int rounds) {
        return """
                model:
                  path: %s
                lora:
                  r: 4
                  alpha: 8
                  target_modules: [q_proj, v_proj, o_proj]
                data:
                  path: %s
                  format: jsonl
                  max_seq_len: 16
                  validation_fraction: 0.2
                train:
                  batch_rows: 4
                  micro_batch_rows: 2
                  rounds: %d
                  learning_rate: 0.01
                  schedule: constant
                distributed:
                  workers: %d
                checkpoint:
                  every_rounds: 2
                output:
                  path: %s
                """.formatted(model, data, rounds, workers, output);
    }
}
