package io.sparklora.jobs.cli;

import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.SentencePairEncoder;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.train.ClassifierRows;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyClassifierJob;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code score} with a sequence classifier: a BERT base and a SEQ_CLS adapter (LoRA and a new two-class head) score
 * sentence pairs on local[2]; each row's class probabilities equal the single-JVM engine's for that row alone.
 */
class ClassifierScoreTest {
    private static final int SEQ_LEN = 12;
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final String[][] ROWS = {{"1", "the cat was good", "it sat on a mat"},
            {"2", "the dog was bad", "it ran in a tree"}, {"3", "a bird ate a fish and it was very very good",
            "the fish was in the pond and the bird saw it"}, {"4", "", "it sat"}, {"5", "the fish was not bad", "it ate"}};

    @TempDir
    static Path shared;
    static Path model;
    static Path adapter;
    static Path rows;
    static BaseModel base;
    static LoraPlan plan;
    static float[] theta;

    @BeforeAll
    static void modelAdapterAndRows() throws Exception {
        model = TinyClassifierJob.model(shared);
        base = BaseModelLoader.load(model).withTask(LABELS, ProblemType.SINGLE_LABEL);
        plan = LoraPlan.of(new LoraConfig(4, 8, 0, new TargetModules.Names(List.of("query", "value")), false, 3),
                base.layout());
        theta = plan.initialParameters(base); // A and a new head drawn; B set below so that the adapter matters
        Random rng = new Random(5);
        for (LoraModule m : plan.modules()) {
            for (int i = 0; i < plan.layout().length(m.bName()); i++) {
                theta[plan.layout().offset(m.bName()) + i] = (float) (0.3 * rng.nextGaussian());
            }
        }
        adapter = shared.resolve("adapter");
        PeftAdapterFiles.write(adapter, new PeftAdapter(plan.config(), theta, model.toString(), base.fingerprint()), plan,
                ModelFamily.BERT);
        StringBuilder sb = new StringBuilder();
        for (String[] r : ROWS) {
            sb.append("{\"id\": ").append(r[0]).append(", \"text\": \"").append(r[1]).append("\", \"context\": \"")
                    .append(r[2]).append("\"}\n");
        }
        rows = CliRuns.write(shared.resolve("rows/pairs.jsonl"), sb.toString());
    }

    @Test
    void everyRowGetsTheEnginesClassProbabilities() throws Exception {
        Path out = shared.resolve("scores");
        CliRuns.Result r = CliRuns.run("score", "--model", model.toString(), "--adapter", adapter.toString(),
                "--path", rows.toString(), "--id-columns", "id", "--text-pair-column", "context", "--label-names",
                String.join(",", LABELS), "--max-seq-len", String.valueOf(SEQ_LEN), "--batch-rows", "2",
                "--output", out.toString());
        r.succeeds();
        assertThat(r.out()).contains("scored 5 rows (1 with an error)");

        SparkSession spark = LocalSpark.start("local[2]");
        List<Row> scored;
        try {
            scored = spark.read().parquet(out.toString()).collectAsList();
        } finally {
            spark.stop();
        }
        assertThat(scored.get(0).schema().fieldNames()).containsExactly("id", "predicted_label", "predicted_id",
                "probabilities", "truncated", "error");
        Map<Long, Row> byId = new HashMap<>();
        scored.forEach(row -> byId.put(row.getLong(0), row));
        assertThat(byId).hasSize(ROWS.length);
        assertThat(byId.get(4L).getString(5)).isEqualTo("empty text in text");

        try (TextTokenizer tokenizer = TextTokenizer.load(model.resolve("tokenizer.json"));
             SequenceClassifier direct = SequenceClassifier.build(base, plan,
                     EngineSpec.training(SEQ_LEN, TrainingMode.LORA))) { // predictions run with dropout off
            direct.setTrainable(theta);
            SentencePairEncoder pairs = new SentencePairEncoder(tokenizer, base.config());
            for (String[] in : ROWS) {
                Row row = byId.get(Long.parseLong(in[0]));
                if (in[1].isEmpty()) {
                    continue;
                }
                double[] p = new ClassifierRows(direct).predictions(List.of(ClassificationRow.of(
                        pairs.encode(in[1], in[2], SEQ_LEN), new double[] {0})))[0];
                List<Double> written = row.getList(3);
                assertThat(written).hasSize(2);
                for (int c = 0; c < 2; c++) {
                    assertThat(written.get(c)).as("row %s class %d", in[0], c).isCloseTo(p[c], within(1e-6));
                }
                int best = p[1] > p[0] ? 1 : 0;
                assertThat(row.getInt(2)).isEqualTo(best);
                assertThat(row.getString(1)).isEqualTo(LABELS.get(best));
                assertThat(row.getBoolean(4)).as("row %s truncated", in[0]).isEqualTo(in[0].equals("3"));
                assertThat(row.isNullAt(5)).isTrue();
            }
        }
    }

    @Test
    void multiLabelRowsGetEachLabelsProbabilityAndThePredictedSet() throws Exception {
        List<String> labels = List.of("cat", "dog", "pond");
        BaseModel multiBase = BaseModelLoader.load(model).withTask(labels, ProblemType.MULTI_LABEL);
        LoraPlan multiPlan = LoraPlan.of(plan.config(), multiBase.layout());
        float[] multiTheta = multiPlan.initialParameters(multiBase);
        Random rng = new Random(9);
        for (int i = 0; i < multiTheta.length; i++) { // B and the head large enough that the adapter matters
            multiTheta[i] += (float) (0.5 * rng.nextGaussian());
        }
        int bias = multiPlan.layout().offset("classifier.bias");
        multiTheta[bias] = 20; // cat on every row, dog on none: the predicted sets are not all alike
        multiTheta[bias + 1] = -20;
        Path multiAdapter = shared.resolve("multi-adapter");
        PeftAdapterFiles.write(multiAdapter, new PeftAdapter(multiPlan.config(), multiTheta, model.toString(),
                multiBase.fingerprint()), multiPlan, ModelFamily.BERT);
        Path out = shared.resolve("multi-scores");
        CliRuns.run("score", "--model", model.toString(), "--adapter", multiAdapter.toString(), "--path",
                rows.toString(), "--id-columns", "id", "--text-pair-column", "context", "--label-names",
                String.join(",", labels), "--problem-type", "multi_label_classification", "--max-seq-len",
                String.valueOf(SEQ_LEN), "--output", out.toString()).succeeds();
        assertThat(Files.readString(out.resolve("_score.json"))).contains("\"problem_type\" : \"multi_label_classification\"");

        SparkSession spark = LocalSpark.start("local[2]");
        List<Row> scored;
        try {
            scored = spark.read().parquet(out.toString()).collectAsList();
        } finally {
            spark.stop();
        }
        assertThat(scored.get(0).schema().fieldNames()).containsExactly("id", "predicted_labels", "predicted_ids",
                "probabilities", "truncated", "error");
        Map<Long, Row> byId = new HashMap<>();
        scored.forEach(row -> byId.put(row.getLong(0), row));
        int predictedLabels = 0;
        try (TextTokenizer tokenizer = TextTokenizer.load(model.resolve("tokenizer.json"));
             SequenceClassifier direct = SequenceClassifier.build(multiBase, multiPlan,
                     EngineSpec.training(SEQ_LEN, TrainingMode.LORA))) {
            direct.setTrainable(multiTheta);
            SentencePairEncoder pairs = new SentencePairEncoder(tokenizer, multiBase.config());
            for (String[] in : ROWS) {
                Row row = byId.get(Long.parseLong(in[0]));
                if (in[1].isEmpty()) {
                    assertThat(row.isNullAt(1)).isTrue();
                    continue;
                }
                double[] p = new ClassifierRows(direct).predictions(List.of(ClassificationRow.of(
                        pairs.encode(in[1], in[2], SEQ_LEN), new double[] {0})))[0];
                List<Double> written = row.getList(3);
                List<String> expected = new java.util.ArrayList<>();
                for (int j = 0; j < 3; j++) {
                    assertThat(written.get(j)).as("row %s label %d", in[0], j).isCloseTo(p[j], within(1e-6));
                    if (p[j] >= 0.5) {
                        expected.add(labels.get(j));
                    }
                }
                assertThat(row.<String>getList(1)).as("row %s", in[0]).containsExactlyElementsOf(expected);
                assertThat(row.<Integer>getList(2)).hasSameSizeAs(expected);
                predictedLabels += expected.size();
            }
        }
        assertThat(predictedLabels).as("cat on each of the four scored rows, dog on none").isBetween(4, 8);

        // merged with its task: config.json says multi-label as transformers writes it, and the head is the adapter's
        Path merged = shared.resolve("multi-merged");
        CliRuns.run("merge", "--model", model.toString(), "--adapter", multiAdapter.toString(), "--output",
                merged.toString(), "--label-names", String.join(",", labels), "--problem-type",
                "multi_label_classification").succeeds();
        com.fasterxml.jackson.databind.JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(merged.resolve("config.json").toFile());
        assertThat(config.get("problem_type").asText()).isEqualTo("multi_label_classification");
        assertThat(config.get("id2label").get("2").asText()).isEqualTo("pond");
        assertThat(BaseModelLoader.load(merged).hasHead()).isTrue();
        CliRuns.run("merge", "--model", model.toString(), "--adapter", multiAdapter.toString(), "--output",
                shared.resolve("multi-merged-2").toString(), "--label-names", "cat", "--problem-type",
                "multi_label_classification").failsWith(CONFIG_ERROR, "merge: --label-names must name at least 2 classes");
    }

    @Test
    void aTokenizerWithoutTheModelsSpecialTokensIsRefusedBeforeSparkWork() throws Exception {
        Path other = CliRuns.write(shared.resolve("other/tokenizer.json"),
                Files.readString(model.resolve("tokenizer.json")).replace("[CLS]", "[BOS]"));
        String message = CliRuns.run("score", "--model", model.toString(), "--tokenizer", other.toString(), "--path",
                rows.toString(), "--id-columns", "id", "--output", shared.resolve("no-cls").toString())
                .failsWith(CONFIG_ERROR, "model error: cannot load the tokenizer " + other);
        assertThat(message).contains("the tokenizer has no [CLS] token, which a BERT input row needs");
    }

    @Test
    void generateAndEvalRefuseAnEncoderInOneLineNamingScore() throws Exception {
        String generate = CliRuns.run("generate", "--model", model.toString(), "--prompt", "the cat")
                .failsWith(CONFIG_ERROR, "generate: the model in " + model + " is a bert encoder (a sequence classifier)");
        assertThat(generate).contains("use sparklora score");
        Path data = CliRuns.write(shared.resolve("eval/rows.jsonl"), "{\"text\": \"the cat was good\"}\n");
        String eval = CliRuns.run("eval", "--model", model.toString(), "--adapter", adapter.toString(), "--data",
                data.toString()).failsWith(CONFIG_ERROR, "eval: the model in " + model + " is a bert encoder");
        assertThat(eval).contains("use sparklora score");
    }

    @Test
    void decoderOptionsAreRefusedWithAnEncoder() {
        CliRuns.run("score", "--model", model.toString(), "--path", rows.toString(), "--id-columns", "id",
                "--generate", "4", "--output", shared.resolve("refused").toString())
                .failsWith(CONFIG_ERROR, "score: --generate is for decoders");
    }
}
