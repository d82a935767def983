package io.sparklora.jobs.testing;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowBlocks;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.ExampleTable;
import io.sparklora.jobs.data.InputSplits;
import io.sparklora.jobs.train.RunLayout;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One small job over the same examples stored several ways (one JSON Lines file, several, Parquet files), with
 * packing blocks small enough that the data spans several, and the single-JVM computation of its rows and adapter.
 * The files are a few KB, so a small {@code spark.sql.files.maxPartitionBytes} makes Spark cut them into different
 * splits and partitions on every setting.
 */
public final class RowsFixture {
    public static final int ROUNDS = 4;
    public static final int BLOCK_EXAMPLES = 16;
    public static final int EXAMPLES = 150;
    public static final List<String> TEXTS = texts();

    private RowsFixture() {
    }

    /** Sentences over TinyJob's alphabet, of varying length. */
    private static List<String> texts() {
        String[] animals = {"cat", "dog", "bird", "fish", "fox", "owl"};
        String[] places = {"mat", "log", "hill", "pond", "box", "tree"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < EXAMPLES; i++) {
            StringBuilder sb = new StringBuilder("the " + animals[i % 6] + " sat on the " + places[(i * 5 + i / 6) % 6]);
            for (int k = 0; k < i % 4; k++) {
                sb.append(" and the ").append(animals[(i + k + 1) % 6]).append(" sat on the ").append(places[(i + k) % 6]);
            }
            out.add(sb.append('.').toString());
        }
        return out;
    }

    private static String jsonLine(String text) {
        return "{\"text\": \"" + text + "\"}\n";
    }

    /** All examples in one file, {@code dir/one/train.jsonl}. */
    public static Path oneJsonl(Path dir) throws IOException {
        Path file = dir.resolve("one").resolve("train.jsonl");
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        TEXTS.forEach(t -> sb.append(jsonLine(t)));
        Files.writeString(file, sb.toString());
        return file;
    }

    /** The same examples in order across part files of the given sizes (the rest in the last), in {@code dir/name}. */
    public static Path jsonlParts(Path dir, String name, int... sizes) throws IOException {
        Path parts = dir.resolve(name);
        Files.createDirectories(parts);
        int start = 0;
        for (int p = 0; p <= sizes.length; p++) {
            int end = p < sizes.length ? start + sizes[p] : TEXTS.size();
            StringBuilder sb = new StringBuilder();
            TEXTS.subList(start, end).forEach(t -> sb.append(jsonLine(t)));
            Files.writeString(parts.resolve(String.format("part-%05d.jsonl", p)), sb.toString());
            start = end;
        }
        return parts;
    }

    /** The same examples in order across Parquet files (column text), named so that they sort in that order. */
    public static Path parquetParts(SparkSession spark, Path dir, int... sizes) throws IOException {
        Path parts = dir.resolve("parquet");
        Files.createDirectories(parts);
        int start = 0;
        for (int p = 0; p <= sizes.length; p++) {
            int end = p < sizes.length ? start + sizes[p] : TEXTS.size();
            Path staging = dir.resolve("parquet-staging-" + p);
            spark.createDataset(TEXTS.subList(start, end), Encoders.STRING()).toDF("text").coalesce(1)
                    .write().parquet(staging.toString());
            try (var files = Files.list(staging)) {
                Path written = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
                Files.move(written, parts.resolve(String.format("part-%05d.parquet", p)));
            }
            start = end;
        }
        return parts;
    }

    /** TinyJob's job over {@code data} with small packing blocks and {@link #ROUNDS} rounds. */
    public static JobConfig config(Path model, Path data, DataFormat format, Path output, String... overrides) {
        List<String> sets = new ArrayList<>(List.of("data.block_examples=" + BLOCK_EXAMPLES,
                "data.format=" + format.name().toLowerCase()));
        sets.addAll(List.of(overrides));
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, ROUNDS),
                "rows.yaml", sets);
    }

    /** How many input splits Spark cuts {@code path} into under the session's current settings. */
    public static int inputSplits(SparkSession spark, Path path, DataFormat format) {
        return InputSplits.of(ExampleTable.read(spark, path.toString(), format, "text", null, null)).splits().size();
    }

    /** How many partitions Spark reads {@code path} (JSON Lines) in under the session's current settings. */
    public static int inputPartitions(SparkSession spark, Path path) {
        return spark.read().json(path.toString()).javaRDD().getNumPartitions();
    }

    public static byte[] adapterBytes(Path output) throws IOException {
        return Files.readAllBytes(output.resolve(RunLayout.ADAPTER).resolve("adapter_model.safetensors"));
    }

    /** The job's rows computed in this JVM without Spark: the examples in file order, tokenized, blocked and packed. */
    public static RowBlocks.Prepared singleJvmRows(Path model, JobConfig config) throws IOException {
        List<TokenizedExample> examples = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(model.resolve("tokenizer.json"))) {
            ExampleEncoder encoder = new ExampleEncoder(tok, config.data().addBos() && tok.bosTokenId().isPresent(),
                    config.data().addEos() && tok.eosTokenId().isPresent());
            TEXTS.forEach(t -> examples.add(encoder.encode(TextExample.plain(t))));
        }
        return RowBlocks.prepare(examples, config.data().blockExamples(), config.data().maxSeqLen(), config.data().packing(),
                config.train().seed(), config.data().validationFraction(), false);
    }

    /** θ after {@link #ROUNDS} rounds of the single-JVM trainer on {@link #singleJvmRows}. */
    public static float[] singleJvmTheta(Path model, JobConfig config) throws IOException {
        BaseModel base = BaseModelLoader.load(model);
        LoraPlan plan = LoraPlan.of(config.lora(), base.layout());
        CausalLm graph = CausalLm.build(base, plan, EngineSpec.training(config.data().maxSeqLen(), TrainingMode.LORA));
        float[] theta = plan.initialParameters();
        LocalTrainer.of(graph, config.batchPlan(), config.train().optimizer())
                .train(theta, singleJvmRows(model, config).train(), ROUNDS, m -> { });
        return theta;
    }
}
