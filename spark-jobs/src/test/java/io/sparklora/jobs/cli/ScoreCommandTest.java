package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.infer.EngineNextTokenModel;
import io.sparklora.core.infer.Generator;
import io.sparklora.core.infer.SamplingConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowPacker;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.Batches;
import io.sparklora.jobs.score.ScoreOutput;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.core.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.SparkLoraMain.DATA_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code score} on Spark local[2]: one output row per input row with the ids kept, each row's loss equal to the
 * single-JVM engine's loss of that row alone, greedy completions equal to the generator's, bad rows as error rows,
 * an existing output refused or replaced whole, and the bad inputs as one line each.
 */
class ScoreCommandTest {
    static final int SEQ_LEN = 32;
    static final String[][] ROWS = {
            {"1", "the cat sat on the ", "mat."}, {"2", "the dog sat on the ", "log."},
            {"3", "the bird sat on the ", "hill."}, {"4", "the fish sat on the ", "pond."},
            {"5", "the fox sat on the ", "box."}, {"6", "the owl sat on the ", "tree."},
            {"7", "the cat sat on the ", null}, {"8", "the dog sat on the ", " "},
            {"9", "", "the owl sat on the tree."}, {"10", "the fox sat on the ", "mat."},
            {"11", "the bird sat on the ", "log."}};

    @TempDir
    static Path shared;
    static Path model;
    static Path adapter;
    static Path merged;
    static Path jsonl;
    static BaseModel base;
    static LoraPlan plan;
    static float[] theta;

    @TempDir
    Path dir;

    @BeforeAll
    static void modelAdapterAndRows() throws Exception {
        model = ToolFixtures.model(shared);
        base = ToolFixtures.load(model);
        plan = ToolFixtures.plan(base);
        theta = ToolFixtures.trainedTheta(plan, 11);
        adapter = ToolFixtures.writeAdapter(shared.resolve("adapter"), base, model, plan, theta);
        merged = shared.resolve("merged");
        ToolFixtures.cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output",
                merged.toString()).succeeds();
        // three files (three input partitions), one line the reader cannot parse
        jsonl = shared.resolve("rows");
        StringBuilder[] files = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (int i = 0; i < ROWS.length; i++) {
            String[] r = ROWS[i];
            files[i % 3].append("{\"id\": ").append(r[0]).append(", \"ts\": \"2026-11-28T10:00:0").append(i % 10)
                    .append("Z\", \"prompt\": \"").append(r[1]).append("\", \"completion\": ")
                    .append(r[2] == null ? "null" : "\"" + r[2] + "\"").append("}\n");
        }
        files[1].append("{\"id\": 12, \"prompt\": \n");
        for (int f = 0; f < files.length; f++) {
            CliRuns.write(jsonl.resolve("part-" + f + ".jsonl"), files[f].toString());
        }
    }

    static Map<Long, Row> byId(List<Row> rows) {
        Map<Long, Row> m = new HashMap<>();
        rows.forEach(r -> m.put(r.isNullAt(0) ? -1L : r.getLong(0), r));
        return m;
    }

    static List<Row> read(Path output) {
        SparkSession spark = LocalSpark.start("local[2]");
        try {
            return spark.read().parquet(output.toString()).collectAsList();
        } finally {
            spark.stop();
        }
    }

    /** The loss of one example alone, as the single-JVM engine computes it: {loss sum, tokens}. */
    static double[] direct(CausalLm lm, TextTokenizer tok, String prompt, String completion) {
        ExampleEncoder encoder = new ExampleEncoder(tok, tok.bosTokenId().isPresent(), tok.eosTokenId().isPresent());
        TrainingRow row = new RowPacker(SEQ_LEN, false, 0).pack(List.of(encoder.encode(new TextExample(prompt,
                completion)))).get(0);
        return new double[] {lm.lossSum(Batches.of(List.of(row))), row.lossTokenCount()};
    }

    @Test
    void everyRowScoredOnceWithTheEnginesLossAndCompletion() throws Exception {
        Path out = dir.resolve("scores");
        long t0 = System.nanoTime();
        CliRuns.Result r = CliRuns.run("score", "--model", model.toString(), "--adapter", adapter.toString(),
                "--path", jsonl.toString(), "--id-columns", "id,ts", "--prompt-column", "prompt",
                "--completion-column", "completion", "--max-seq-len", String.valueOf(SEQ_LEN), "--batch-rows", "4",
                "--generate", "6", "--output", out.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        r.succeeds();
        assertThat(r.out()).contains("scored 12 rows (3 with an error) into " + out);

        List<Row> rows = read(out);
        assertThat(rows).hasSize(ROWS.length + 1);
        assertThat(rows.get(0).schema().fieldNames()).containsExactly("id", "ts", "loss_sum", "loss_mean",
                "loss_tokens", "truncated", "completion", "error");
        Map<Long, Row> scored = byId(rows);
        assertThat(scored).hasSize(ROWS.length + 1);
        assertThat(scored.get(-1L).getString(7)).isEqualTo("malformed row: the reader could not parse it");
        assertThat(scored.get(7L).getString(7)).isEqualTo("column \"completion\" is null");
        assertThat(scored.get(8L).getString(7)).isEqualTo("column \"completion\" is empty");
        assertThat(scored.get(7L).isNullAt(2)).isTrue();

        int exact = 0;
        double worst = 0;
        try (TextTokenizer tok = TextTokenizer.load(model.resolve("tokenizer.json"));
             CausalLm lm = CausalLm.build(base, plan, EngineSpec.inference(SEQ_LEN))) {
            lm.setTrainable(theta);
            EngineNextTokenModel next = new EngineNextTokenModel(lm);
            Generator generator = new Generator(next.limitedTo(tok.vocabSize()), next.maxContext());
            for (String[] in : ROWS) {
                Row row = scored.get(Long.parseLong(in[0]));
                assertThat(row.getString(1)).startsWith("2026-11-28T10:00:0");
                if (in[2] == null || in[2].isBlank()) {
                    continue;
                }
                assertThat(row.isNullAt(7)).as("error of row %s: %s", in[0], row.get(7)).isTrue();
                double[] expected = direct(lm, tok, in[1], in[2]);
                double loss = row.getDouble(2);
                worst = Math.max(worst, Math.abs(loss - expected[0]) / expected[0]);
                exact += loss == expected[0] ? 1 : 0;
                assertThat(loss).as("loss of row %s", in[0]).isCloseTo(expected[0], within(1e-6 * expected[0]));
                assertThat(row.getInt(4)).isEqualTo((int) expected[1]);
                assertThat(row.getDouble(3)).isEqualTo(loss / expected[1]);
                assertThat(row.getBoolean(5)).isFalse();
                int[] prompt = GenerateCommand.encode(tok, in[1]);
                String completion = prompt.length == 0 ? null
                        : tok.decode(generator.generate(prompt, SamplingConfig.greedy(6), tok.eosTokenId()));
                assertThat(row.getString(6)).as("completion of row %s", in[0]).isEqualTo(completion);
            }
            next.close();
        }
        System.out.printf("ScoreCommandTest: 12 rows scored with --generate 6 on local[2] in %.1f s; loss bit-identical "
                + "to the single-row engine pass in %d of 9 rows, largest relative difference %.2g%n", seconds, exact, worst);

        assertThat(out.resolve(ScoreOutput.MARKER)).exists();
        JsonNode record = new ObjectMapper().readTree(out.resolve(ScoreOutput.RECORD).toFile());
        assertThat(record.get("rows").asLong()).isEqualTo(12);
        assertThat(record.get("error_rows").asLong()).isEqualTo(3);
        assertThat(record.get("adapter_sha256").asText()).startsWith("sha256:");
        assertThat(record.get("adapter_base_fingerprint").asText()).isEqualTo(base.fingerprint());
        assertThat(record.get("input").get("files").asInt()).isEqualTo(3);
        assertThat(record.get("input").get("files_sha256").asText()).hasSize(64);
        assertThat(record.get("id_columns").toString()).isEqualTo("[\"id\",\"ts\"]");
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("scores");
        }
    }

    @Test
    void anExistingOutputIsRefusedThenReplacedWholeByTheMergedModelsScores() throws Exception {
        Path parquet = dir.resolve("parquet");
        SparkSession spark = LocalSpark.start("local[2]");
        spark.read().json(jsonl.toString()).where("completion IS NOT NULL AND trim(completion) != ''")
                .selectExpr("id", "concat(prompt, completion) AS text").repartition(2).write().parquet(parquet.toString());
        Path out = dir.resolve("scores");
        String[] common = {"score", "--path", parquet.toString(), "--format", "parquet", "--id-columns", "id",
                "--max-seq-len", String.valueOf(SEQ_LEN), "--output", out.toString()};
        CliRuns.run(concat(common, "--model", model.toString(), "--adapter", adapter.toString())).succeeds();
        List<Row> first = read(out);
        Map<Path, byte[]> before = CliRuns.snapshot(out);

        String refused = CliRuns.run(concat(common, "--model", merged.toString())).failsWith(CONFIG_ERROR,
                "score: --output " + out + " already holds scores");
        assertThat(refused).contains("--overwrite");
        CliRuns.assertUnchanged(before, out);

        CliRuns.run(concat(common, "--model", merged.toString(), "--overwrite")).succeeds();
        List<Row> second = read(out);
        assertThat(second).hasSize(first.size()).hasSize(9);
        Map<Long, Row> adapted = byId(first);
        for (Row m : second) {
            assertThat(m.isNullAt(m.fieldIndex("error"))).isTrue();
            double a = adapted.get(m.getLong(0)).getDouble(1);
            assertThat(m.getDouble(1)).as("merged vs base + adapter, row %d", m.getLong(0)).isCloseTo(a, within(1e-4 * a));
        }
        JsonNode record = new ObjectMapper().readTree(out.resolve(ScoreOutput.RECORD).toFile());
        assertThat(record.get("model").asText()).isEqualTo(merged.toString());
        assertThat(record.get("adapter").isNull()).isTrue();
        assertThat(record.get("input").get("format").asText()).isEqualTo("parquet");
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("scores", "parquet");
        }
    }

    @Test
    void badInputsAreOneLineEach() {
        String[] base = {"score", "--path", jsonl.toString(), "--id-columns", "id", "--prompt-column", "prompt",
                "--completion-column", "completion", "--output", dir.resolve("out").toString()};
        // usage errors: before Spark starts
        ToolFixtures.cli(concat(base, "--model", model.toString(), "--id-columns", "id")).failsWith(CONFIG_ERROR,
                "score: --id-columns is given twice");
        ToolFixtures.cli("score", "--model", model.toString(), "--path", jsonl.toString(), "--output", "x")
                .failsWith(CONFIG_ERROR, "score: --id-columns is required, e.g. --id-columns id");
        CliRuns.run(concat(base, "--model", dir.resolve("nope").toString())).failsWith(CONFIG_ERROR,
                "model error: --model " + dir.resolve("nope") + " does not exist; set --model to the directory");
        CliRuns.run(concat(base, "--model", model.toString(), "--adapter", dir.resolve("none").toString()))
                .failsWith(CONFIG_ERROR, "score: --adapter " + dir.resolve("none") + " does not exist");
        String missing = CliRuns.run("score", "--model", model.toString(), "--path", jsonl.toString(),
                "--id-columns", "id,row_key", "--output", dir.resolve("out").toString()).failsWith(DATA_ERROR,
                "data error: --path " + jsonl + ": id column \"row_key\" not found (columns: ");
        assertThat(missing).contains("completion, id, prompt, ts").contains("set --id-columns");
        CliRuns.run("score", "--model", model.toString(), "--path", dir.resolve("absent.jsonl").toString(),
                "--id-columns", "id", "--output", dir.resolve("out").toString())
                .failsWith(DATA_ERROR, "data error: --path " + dir.resolve("absent.jsonl")
                        + " cannot be read as jsonl: it does not exist");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void anAdapterOfAnotherBaseIsRefusedByTheExecutorsThatLoadTheModel() throws Exception {
        Path other = dir.resolve("other-model"); // same shapes and tokenizer, other weights: only the fingerprint differs
        TinyModels.write(TinyModels.random(base.config(), 99), other);
        Files.copy(model.resolve("tokenizer.json"), other.resolve("tokenizer.json"));
        String message = CliRuns.run("score", "--model", other.toString(), "--adapter", adapter.toString(), "--path",
                jsonl.toString(), "--id-columns", "id", "--prompt-column", "prompt", "--completion-column", "completion",
                "--output", dir.resolve("out").toString())
                .failsWith(CONFIG_ERROR, "score: the adapter in " + adapter + " does not fit the model in " + other
                        + ": it was trained on a different base model (fingerprint " + base.fingerprint());
        assertThat(message).endsWith("give --model the model the adapter was trained on");
        assertThat(dir.resolve("out")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("other-model");
        }
    }

    static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
