package io.sparklora.jobs.bench;

import io.sparklora.jobs.config.DataSection;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.testing.LocalSpark;
import org.apache.spark.sql.SparkSession;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Wall time of the data step alone ({@link DataPreparation#prepare}: read, bad-row report, split, tokenize, pack,
 * shard and cache) on a JSON Lines file, as {@code sparklora train} runs it before round 1.
 *
 * <pre>
 * java -cp &lt;spark-jobs test classpath&gt; io.sparklora.jobs.bench.DataPrepBench --generate FILE.jsonl MB
 * java -cp &lt;spark-jobs test classpath&gt; io.sparklora.jobs.bench.DataPrepBench FILE.jsonl TOKENIZER.json
 *     [--master local[2]] [--reps 3] [--seq-len 128] [--validation-fraction 0.05] [--workers 2]
 * </pre>
 *
 * Each repetition prepares the data afresh in the same session (the previous one's cached blocks unpersisted) and
 * prints its wall time and the CPU time of the whole JVM (in local mode the driver and the executors), which a busy
 * machine disturbs less; the first includes JIT and tokenizer warm-up.
 */
public final class DataPrepBench {
    private static final String[] WORDS = ("the a cat dog owl fox bird fish cow duck bee lion horse sheep goat "
            + "says sat ran on under over near by with and or but river hill tree garden house field forest road "
            + "morning evening night small big quiet loud green red blue old young happy slow quick eats drinks "
            + "sleeps sings walks jumps looks listens water bread honey grass seeds apples corn milk").split(" ");

    private DataPrepBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--generate")) {
            generate(Path.of(args[1]), Long.parseLong(args[2]) * 1024 * 1024);
            return;
        }
        Path data = Path.of(args[0]);
        String tokenizer = args[1];
        String master = "local[2]";
        int reps = 3;
        int seqLen = 128;
        double validationFraction = 0.05;
        int workers = 2;
        for (int i = 2; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--master" -> master = args[i + 1];
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--seq-len" -> seqLen = Integer.parseInt(args[i + 1]);
                case "--validation-fraction" -> validationFraction = Double.parseDouble(args[i + 1]);
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // Through the job file parser, so that the bench runs unchanged against older versions of the data step.
        DataSection section = JobConfigLoader.parse("""
                model: {path: /unused}
                data: {path: "%s", format: jsonl, max_seq_len: %d, validation_fraction: %s}
                output: {path: /unused-output}
                """.formatted(data, seqLen, validationFraction), "bench.yaml", List.of()).data();
        SparkSession spark = LocalSpark.start(master);
        List<Double> seconds = new ArrayList<>();
        List<Double> cpuSeconds = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                long cpu0 = os.getProcessCpuTime();
                PreparedData prepared = DataPreparation.prepare(spark, section, tokenizer, workers, 1234, 256,
                        new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()));
                double s = (System.nanoTime() - t0) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                seconds.add(s);
                cpuSeconds.add(cpu);
                System.out.printf("data preparation %d/%d: %.2f s wall, %.2f s CPU (driver and executors: one JVM); %s%n",
                        r + 1, reps, s, cpu, prepared.report());
                prepared.train().unpersist(true);
                if (prepared.validation() != null) {
                    prepared.validation().unpersist(true);
                }
                spark.catalog().clearCache();
            }
        } finally {
            spark.stop();
        }
        System.out.printf("data preparation on %s, %s: median %.2f s wall, %.2f s CPU over %d runs; wall %s, CPU %s%n",
                master, data, median(seconds), median(cpuSeconds), reps, seconds, cpuSeconds);
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** About {@code bytes} of {"text": ...} lines, 8-60 words each, from a fixed seed. */
    static void generate(Path file, long bytes) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder();
            while (written < bytes) {
                sb.setLength(0);
                sb.append("{\"text\": \"");
                int n = 8 + random.nextInt(53);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
                }
                sb.append(".\"}\n");
                w.write(sb.toString());
                written += sb.length();
            }
        }
        System.out.printf("wrote %s (%d bytes)%n", file, written);
    }
}
