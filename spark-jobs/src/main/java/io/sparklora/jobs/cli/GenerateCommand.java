package io.sparklora.jobs.cli;

import io.sparklora.core.infer.Generator;
import io.sparklora.core.infer.EngineNextTokenModel;
import io.sparklora.core.infer.SamplingConfig;
import io.sparklora.core.text.TextTokenizer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static io.sparklora.jobs.cli.CliArgs.Option.repeated;
import static io.sparklora.jobs.cli.CliArgs.Option.value;

/** {@code generate}: completions of prompts by a base model, a base model with an adapter, or a merged model. */
final class GenerateCommand {
    static final String USAGE = """
            usage: sparklora generate --model DIR [--adapter DIR] --prompt TEXT [--prompt TEXT]...
                                      [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]
                                      [--tokenizer FILE]

            Prints each prompt and the model's completion of it. --model is a base model or a merged checkpoint;
            add --adapter to run a base model with a PEFT adapter on top.

              --model DIR          model directory (config.json + safetensors + tokenizer.json)
              --adapter DIR        PEFT adapter trained on that model (fingerprint and shapes are checked)
              --prompt TEXT        a prompt; repeat for several
              --max-new-tokens N   most tokens generated per prompt (default 32); generation also stops at EOS
              --temperature T      0 (default) is greedy and deterministic; > 0 samples from softmax(logits / T)
              --top-p P            nucleus sampling mass in (0, 1] (default 1: no cut)
              --seed S             seed of the sampling draws (default 0)
              --tokenizer FILE     tokenizer.json (default: the one in the model directory)
              --help               this help

            The tokenizer's BOS token, when it has one, is put before each prompt as in training. The model sees
            at most min(max_position_embeddings, prompt + max-new-tokens rounded up to 16) tokens.""";

    static final int DEFAULT_MAX_NEW_TOKENS = 32;
    static final int SEQ_LEN_MULTIPLE = 16;

    private static final List<CliArgs.Option> OPTIONS = List.of(value("--model", "path/to/model"),
            value("--adapter", "run/adapter"), repeated("--prompt", "\"Once upon a time\""),
            value("--max-new-tokens", "64"), value("--temperature", "0.7"), value("--top-p", "0.9"),
            value("--seed", "1"), value("--tokenizer", "path/to/tokenizer.json"));

    private GenerateCommand() {
    }

    static int run(String[] args, PrintStream out) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        CliArgs a = CliArgs.parse("generate", args, 1, OPTIONS, 0);
        a.required("--model", "path/to/model");
        List<String> prompts = a.all("--prompt");
        if (prompts.isEmpty()) {
            throw a.error("give at least one --prompt, e.g. --prompt \"Once upon a time\"");
        }
        int maxNew = a.intValue("--max-new-tokens", DEFAULT_MAX_NEW_TOKENS, 1);
        double temperature = a.doubleValue("--temperature", 0, 0, true, Double.MAX_VALUE, ">= 0 (0 = greedy)");
        double topP = a.doubleValue("--top-p", 1, 0, false, 1, "in (0, 1]");
        long seed = a.longValue("--seed", 0);
        SamplingConfig sampling = new SamplingConfig(temperature, topP, maxNew, seed);

        ModelInputs.Model model = ModelInputs.load(a, "it predicts labels and generates no text: use sparklora score "
                + "to classify rows");
        try (TextTokenizer tok = ModelInputs.tokenizer(a, model.modelDir())) {
            ModelInputs.checkVocab(tok, model.base(), model.modelDir(), a);
            List<int[]> encoded = new ArrayList<>();
            int longest = 0;
            for (int i = 0; i < prompts.size(); i++) {
                int[] ids = encode(tok, prompts.get(i));
                if (ids.length == 0) {
                    throw a.error("--prompt number " + (i + 1) + " is empty and the tokenizer has no BOS token to "
                            + "start from; give some text");
                }
                encoded.add(ids);
                longest = Math.max(longest, ids.length);
            }
            int seqLen = seqLen(model.base().config().maxPositions(), longest, maxNew);
            EngineNextTokenModel next = new EngineNextTokenModel(model.graph(seqLen));
            Generator generator = new Generator(next.limitedTo(tok.vocabSize()), next.maxContext());
            out.println("model: " + model.describe());
            out.println("sampling: " + (sampling.isGreedy() ? "greedy" : "temperature " + temperature + ", top-p "
                    + topP + ", seed " + seed) + "; max " + maxNew + " new tokens; context " + seqLen + " tokens");
            OptionalInt eos = tok.eosTokenId();
            for (int i = 0; i < prompts.size(); i++) {
                int[] prompt = encoded.get(i);
                int[] completion = generator.generate(prompt, sampling, eos);
                out.println();
                out.println("=== prompt " + (i + 1) + " ===");
                out.println(prompts.get(i));
                out.println("=== completion " + (i + 1) + " (" + completion.length + " tokens, "
                        + (completion.length < maxNew ? "stopped at EOS" : "reached --max-new-tokens")
                        + (prompt.length > seqLen ? "; prompt cut to its last " + seqLen + " tokens" : "") + ") ===");
                out.println(tok.decode(completion));
            }
        }
        return SparkLoraMain.OK;
    }

    /** BOS (when the tokenizer has one, as training adds it) followed by the prompt's tokens. */
    static int[] encode(TextTokenizer tok, String prompt) {
        int[] ids = tok.encode(prompt);
        OptionalInt bos = tok.bosTokenId();
        if (bos.isEmpty()) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = bos.getAsInt();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /** The graph's sequence length: prompt + new tokens rounded up to a multiple of 16, at most the model's window. */
    static int seqLen(int maxPositions, int promptTokens, int maxNewTokens) {
        long wanted = (long) promptTokens + maxNewTokens;
        long rounded = (wanted + SEQ_LEN_MULTIPLE - 1) / SEQ_LEN_MULTIPLE * SEQ_LEN_MULTIPLE;
        return (int) Math.min(maxPositions, rounded);
    }
}
