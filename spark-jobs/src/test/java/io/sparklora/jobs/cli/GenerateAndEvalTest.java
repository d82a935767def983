package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.SparkLoraMain.DATA_ERROR;
import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** generate and eval on a base model, the base with an adapter, and the merged checkpoint of the two. */
class GenerateAndEvalTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path adapter;
    static Path merged;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void modelAdapterMergedAndData() throws Exception {
        model = ToolFixtures.model(shared);
        BaseModel base = ToolFixtures.load(model);
        LoraPlan plan = ToolFixtures.plan(base);
        adapter = ToolFixtures.writeAdapter(shared.resolve("adapter"), base, model, plan,
                ToolFixtures.trainedTheta(plan, 7));
        merged = shared.resolve("merged");
        cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output", merged.toString())
                .succeeds();
        data = TinyJob.dataset(shared);
    }

    private static final String[] PROMPTS = {"the cat sat", "a dog"};

    private static CliRuns.Result generate(String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--prompt", PROMPTS[0], "--prompt", PROMPTS[1],
                "--max-new-tokens", "12"));
        args.addAll(List.of(extra));
        CliRuns.Result r = cli(args.toArray(String[]::new));
        r.succeeds();
        return r;
    }

    /** The text printed under each "=== completion i" header. */
    private static List<String> completions(String out) {
        Matcher m = Pattern.compile("=== completion \\d+ \\((\\d+) tokens[^\\n]*===\\n(.*?)(?=\\n\\n=== prompt|\\n?$)",
                Pattern.DOTALL).matcher(out);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1) + ":" + m.group(2));
        }
        return found;
    }

    @Test
    void generatesForBaseAdapterAndMergedAndPrintsThePrompts() {
        CliRuns.Result base = generate("--model", model.toString());
        CliRuns.Result withAdapter = generate("--model", model.toString(), "--adapter", adapter.toString());
        CliRuns.Result fromMerged = generate("--model", merged.toString());
        for (CliRuns.Result r : List.of(base, withAdapter, fromMerged)) {
            assertThat(r.out()).contains("=== prompt 1 ===\n" + PROMPTS[0] + "\n", "=== prompt 2 ===\n" + PROMPTS[1] + "\n")
                    .contains("sampling: greedy");
            assertThat(completions(r.out())).hasSize(2);
        }
        assertThat(withAdapter.out()).contains("+ adapter " + adapter);
        // Greedy decoding of base+adapter and of the merged checkpoint pick the same tokens.
        assertThat(completions(fromMerged.out())).isEqualTo(completions(withAdapter.out()));
        assertThat(completions(base.out())).as("the adapter changes what the model says")
                .isNotEqualTo(completions(withAdapter.out()));
    }

    @Test
    void samplingIsReproducibleForASeed() {
        String[] sampling = {"generate", "--model", model.toString(), "--prompt", PROMPTS[0], "--max-new-tokens", "5",
            "--temperature", "1.5", "--top-p", "0.95", "--seed", "3"};
        CliRuns.Result a = cli(sampling);
        CliRuns.Result b = cli(sampling);
        a.succeeds();
        assertThat(a.out()).contains("temperature 1.5, top-p 0.95, seed 3").isEqualTo(b.out());
    }

    @Test
    void sequenceLengthIsPromptPlusNewTokensRoundedUpAndCappedByTheModel() {
        assertThat(GenerateCommand.seqLen(64, 5, 12)).isEqualTo(32);
        assertThat(GenerateCommand.seqLen(64, 4, 12)).isEqualTo(16);
        assertThat(GenerateCommand.seqLen(64, 60, 32)).isEqualTo(64);
    }

    @Test
    void generateArgumentErrorsNameTheOption() {
        assertThat(cli("generate", "--model", model.toString()).failsWith(CONFIG_ERROR, "generate: give at least one "
                + "--prompt"));
        assertThat(cli("generate", "--model", model.toString(), "--prompt", "x", "--max-new-tokens", "many")
                .failsWith(CONFIG_ERROR, "generate: --max-new-tokens must be a whole number"));
        assertThat(cli("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "1.5")
                .failsWith(CONFIG_ERROR, "generate: --top-p must be in (0, 1]"));
        assertThat(cli("generate", "--model", model.toString(), "--prompt", "x", "--temprature", "1")
                .failsWith(CONFIG_ERROR, "generate: unknown option --temprature")).contains("--temperature");
        assertThat(cli("generate", "--model", model.toString(), "--prompt").failsWith(CONFIG_ERROR,
                "generate: --prompt needs a value"));
    }

    /** eval --json over the given data file (or the shared dataset when no --data is among the options). */
    private static JsonNode evalJson(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", "--max-seq-len", "16", "--json"));
        if (!List.of(extra).contains("--data")) {
            args.addAll(List.of("--data", data.toString()));
        }
        args.addAll(List.of(extra));
        CliRuns.Result r = cli(args.toArray(String[]::new));
        r.succeeds();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void evalPrintsLossAndPerplexityAndTheAdapterChangesThem() throws Exception {
        CliRuns.Result text = cli("eval", "--model", model.toString(), "--data", data.toString(), "--max-seq-len", "16");
        text.succeeds();
        assertThat(text.out()).containsPattern("loss: \\d+\\.\\d{6}\\n").containsPattern("perplexity: \\d+\\.\\d{4}\\n")
                .contains("48 examples");

        JsonNode base = evalJson("--model", model.toString());
        JsonNode withAdapter = evalJson("--model", model.toString(), "--adapter", adapter.toString());
        JsonNode fromMerged = evalJson("--model", merged.toString());
        assertThat(base.get("perplexity").asDouble()).isCloseTo(Math.exp(base.get("loss").asDouble()), within(1e-9));
        assertThat(base.get("tokens").asLong()).isPositive().isEqualTo(withAdapter.get("tokens").asLong());
        assertThat(base.get("examples").asInt()).isEqualTo(TinyJob.CORPUS.size());
        assertThat(withAdapter.get("loss").asDouble()).isNotCloseTo(base.get("loss").asDouble(), within(1e-3));
        assertThat(fromMerged.get("loss").asDouble()).isCloseTo(withAdapter.get("loss").asDouble(),
                within(1e-4 * withAdapter.get("loss").asDouble()));
        assertThat(text.out()).contains(String.format(java.util.Locale.ROOT, "loss: %.6f",
                base.get("loss").asDouble()));

        JsonNode unpacked = evalJson("--model", model.toString(), "--no-packing");
        assertThat(unpacked.get("rows").asInt()).as("one row per example").isEqualTo(TinyJob.CORPUS.size());
        assertThat(unpacked.get("packing").asBoolean()).isFalse();

        JsonNode firstRows = evalJson("--model", model.toString(), "--max-rows", "2");
        assertThat(firstRows.get("rows").asInt()).isEqualTo(2);
        assertThat(firstRows.get("tokens").asLong()).isLessThan(base.get("tokens").asLong());
    }

    @Test
    void evalOfPromptCompletionDataCountsOnlyCompletions() throws Exception {
        Path pc = CliRuns.write(dir.resolve("pc.jsonl"), """
                {"prompt": "the cat", "completion": " sat on the mat."}
                {"prompt": "the dog", "completion": " sat on the log."}
                {"prompt": "the owl"}
                """);
        JsonNode r = evalJson("--model", model.toString(), "--data", pc.toString(), "--prompt-column", "prompt",
                "--completion-column", "completion");
        assertThat(r.get("examples").asInt()).isEqualTo(2);
        assertThat(r.get("skipped_rows").asInt()).isEqualTo(1);
        // Only completion tokens and EOS are predicted in the loss; prompt tokens are not.
        try (var tok = io.sparklora.core.text.TextTokenizer.load(model.resolve("tokenizer.json"))) {
            long expected = tok.encode(" sat on the mat.").length + 1 + tok.encode(" sat on the log.").length + 1;
            assertThat(r.get("tokens").asLong()).isEqualTo(expected);
        }
    }

    @Test
    void evalDataErrorsExitWithTheDataCode() {
        Path bad = CliRuns.write(dir.resolve("bad.jsonl"), "{\"text\": \"the cat\"}\n{\"text\": oops}\n");
        assertThat(cli("eval", "--model", model.toString(), "--data", bad.toString()).failsWith(DATA_ERROR,
                "data error: " + bad + " line 2 is not valid JSON"));
        assertThat(cli("eval", "--model", model.toString(), "--data", data.toString(), "--text-column", "body")
                .failsWith(DATA_ERROR, "data error: no row of " + data + " has a text in \"body\"")).contains("[text]");
        assertThat(cli("eval", "--model", model.toString(), "--data", data.toString(), "--prompt-column", "p")
                .failsWith(CONFIG_ERROR, "eval: --prompt-column and --completion-column go together"));
        assertThat(cli("eval", "--model", model.toString(), "--data", data.toString(), "--max-seq-len", "65")
                .failsWith(CONFIG_ERROR, "eval: --max-seq-len 65 exceeds the model's max_position_embeddings 64"));
        assertThat(cli("eval", "--model", model.toString(), "--data", dir.resolve("none.jsonl").toString())
                .failsWith(CONFIG_ERROR, "eval: --data ")).contains("does not exist");
    }

    @Test
    void evalReadsPlainTextLines() throws Exception {
        Path txt = CliRuns.write(dir.resolve("lines.txt"), String.join("\n", TinyJob.CORPUS) + "\n\n");
        JsonNode fromText = evalJson("--model", model.toString(), "--data", txt.toString(), "--format", "text");
        JsonNode fromJsonl = evalJson("--model", model.toString());
        assertThat(fromText.get("loss").asDouble()).isCloseTo(fromJsonl.get("loss").asDouble(), within(1e-9));
        assertThat(fromText.get("skipped_rows").asInt()).isEqualTo(1);
    }
}
