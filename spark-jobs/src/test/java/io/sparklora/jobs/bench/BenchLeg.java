package io.sparklora.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.train.RoundMetrics;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * One Spark session of the benchmark, run in a JVM of its own (see {@link SparkRoundBench}): a local-cluster master
 * with real executor JVMs, so θ, task binaries and results are serialized and travel over loopback as on a cluster.
 */
final class BenchLeg {
    static final String TWO_EXECUTORS = "two-executors";
    static final String ONE_EXECUTOR = "one-executor";
    private static final String LORA_ROUND = "SparkLoRA round "; // the job description TrainingMaster sets
    /**
     * Warm-up of the jobs that follow the default one in a session: the executor JVMs are warm by then, so only
     * the first rounds (a new graph for the full model; a new run's first broadcasts) are dropped.
     */
    static final int LATER_JOB_WARMUP = 2;

    private final SparkRoundBench.Options options;
    private final Path work;
    private final Path demoYaml;
    private final Path model;
    private final Path data;

    BenchLeg(SparkRoundBench.Options options) {
        this.options = options;
        this.work = options.work;
        this.demoYaml = options.repo.resolve("conf/demo.yaml");
        this.model = options.repo.resolve("deploy/demo/model");
        this.data = options.repo.resolve("deploy/demo/data/train.jsonl");
    }

    Map<String, Object> run() throws Exception {
        int executors = switch (options.leg) {
            case TWO_EXECUTORS -> 2;
            case ONE_EXECUTOR -> 1;
            default -> throw new IllegalArgumentException("unknown leg " + options.leg);
        };
        String master = "local-cluster[" + executors + ",1," + options.executorMb + "]";
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leg", options.leg);
        out.put("master", master);
        out.put("load_average_before", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        SparkSession spark = LocalSpark.start(master,
                "spark.executor.memory", options.executorMb + "m",
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector",
                "spark.executorEnv.OMP_NUM_THREADS", "1");
        try {
            awaitExecutors(spark.sparkContext(), executors);
            out.put("spark_version", spark.version());
            out.put("jobs", jobs(spark));
        } finally {
            spark.stop();
        }
        out.put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return out;
    }

    private Map<String, Object> jobs(SparkSession spark) throws Exception {
        Map<String, Object> jobs = new LinkedHashMap<>();
        // The default round (conf/demo.yaml as is) first, in both legs: it is what the scaling figure compares.
        jobs.put("lora_default", loraJob(spark, "lora-default", options.rounds, options.warmup, List.of()));
        if (options.extras) {
            jobs.put("lora_large", loraJob(spark, "lora-large", options.largeRounds, LATER_JOB_WARMUP,
                    List.of("train.batch_rows=" + options.largeBatchRows)));
            jobs.put("full_model", fullModel(spark));
        }
        return jobs;
    }

    /** The demo job through TrainingMaster, the code path of `sparklora train`, with a listener attached. */
    private Map<String, Object> loraJob(SparkSession spark, String name, int rounds, int warmup, List<String> extra)
            throws Exception {
        Path output = work.resolve(options.leg + "-" + name);
        JobConfig config = config(output, rounds, extra);
        RoundListener listener = new RoundListener();
        spark.sparkContext().addSparkListener(listener);
        long start = System.nanoTime();
        RunResult result;
        try {
            result = new TrainingMaster(spark, config).run();
            drain(spark.sparkContext());
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> out = describe(config);
        out.put("trainable_parameters", ((Number) result.summary().get("trainable_parameters")).longValue());
        out.put("run_wall_seconds", seconds);
        out.put("final_train_loss", result.summary().get("final_train_loss"));
        out.putAll(RoundStats.summarize(listener.jobs(), LORA_ROUND, rounds, roundTokens(output, rounds), warmup));
        return out;
    }

    /** The full-model baseline on the same model, data, shards and batch plan as the default LoRA job. */
    private Map<String, Object> fullModel(SparkSession spark) throws Exception {
        JobConfig config = config(work.resolve(options.leg + "-full-model"), options.fullRounds, List.of());
        RoundListener listener = new RoundListener();
        spark.sparkContext().addSparkListener(listener);
        long start = System.nanoTime();
        List<RoundMetrics> metrics;
        try {
            metrics = FullModelRounds.run(spark, config, options.fullRounds);
            drain(spark.sparkContext());
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> out = describe(config);
        out.put("parameters", BaseModelLoader.load(model).parameterCount());
        out.put("run_wall_seconds", seconds);
        out.put("loss_by_round", metrics.stream().map(RoundMetrics::loss).toList()); // it really trains
        List<Long> tokens = metrics.stream().map(RoundMetrics::tokens).toList();
        out.putAll(RoundStats.summarize(listener.jobs(), FullModelRounds.DESCRIPTION, options.fullRounds, tokens,
                Math.min(LATER_JOB_WARMUP, options.fullRounds - 1)));
        return out;
    }

    /**
     * conf/demo.yaml with absolute paths (executors run elsewhere), a fresh output directory and the bench's round
     * count. The mid-run evaluation and checkpoint cadences are turned off: they are not part of a round, and
     * rounds interleaved with other jobs would have no cycle time of their own.
     */
    private JobConfig config(Path output, int rounds, List<String> extra) throws IOException {
        List<String> overrides = new ArrayList<>(List.of(
                "model.path=" + model.toAbsolutePath(),
                "data.path=" + data.toAbsolutePath(),
                "output.path=" + output.toAbsolutePath(),
                "train.rounds=" + rounds,
                "eval.every_rounds=0",
                "checkpoint.every_rounds=0"));
        overrides.addAll(extra);
        return JobConfigLoader.parse(Files.readString(demoYaml), demoYaml.toString(), overrides);
    }

    private static Map<String, Object> describe(JobConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workers", config.distributed().workers());
        out.put("batch_rows", config.train().batchRows());
        out.put("rows_per_task", config.batchPlan().rowsPerWorker());
        out.put("micro_batch_rows", config.train().microBatchRows());
        out.put("max_seq_len", config.data().maxSeqLen());
        return out;
    }

    /** Loss tokens of rounds 1..n from the run's metrics.jsonl (JSON lines; evaluation lines have no "tokens"). */
    private static List<Long> roundTokens(Path output, int rounds) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<Integer, Long> byRound = new TreeMap<>();
        for (String line : Files.readAllLines(output.resolve(RunLayout.METRICS))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = json.readTree(line);
            if (node.has("tokens") && node.has("round")) {
                byRound.put(node.get("round").asInt(), node.get("tokens").asLong());
            }
        }
        List<Long> tokens = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Long t = byRound.get(round);
            if (t == null) {
                throw new IllegalStateException("metrics.jsonl has no tokens for round " + round);
            }
            tokens.add(t);
        }
        return tokens;
    }

    /** Waits until every executor registered, so the cached shards spread over all of them as in a real run. */
    private static void awaitExecutors(SparkContext sc, int executors) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (sc.statusTracker().getExecutorInfos().length < executors + 1) { // the driver is listed too
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(executors + " executors did not register within 120 s");
            }
            Thread.sleep(100);
        }
    }

    /** Every event posted so far has reached the listeners. */
    private static void drain(SparkContext sc) throws TimeoutException {
        sc.listenerBus().waitUntilEmpty();
    }
}
