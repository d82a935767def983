package io.sparklora.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Spark part of the performance benchmark: what one training round ships and how long it takes beyond the
 * tasks' own compute, for the LoRA job (TrainingMaster on conf/demo.yaml, the code path of {@code sparklora train})
 * against a full-model data-parallel baseline on the same model and data, and the throughput of two executors
 * against one.
 *
 * <pre>
 * java -cp &lt;spark-jobs test classpath&gt; io.sparklora.jobs.bench.SparkRoundBench --out FILE.json [--rounds N]
 *     [--warmup W] [--large-batch-rows B] [--large-rounds N] [--full-rounds N] [--repeats N] [--executor-memory MB]
 *     [--repo DIR]
 * </pre>
 *
 * <p>From the repository root, after {@code mvn -q -o install -N && mvn -q -o install -pl lora-core -DskipTests}:
 * <pre>
 * mvn -q -o -pl spark-jobs test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.cp
 * java -cp spark-jobs/target/test-classes:spark-jobs/target/classes:$(cat spark-jobs/target/test.cp) \
 *     io.sparklora.jobs.bench.SparkRoundBench --out target/bench/spark-round.json
 * </pre>
 * No packaged jar is needed: the executors load the same classpath. About 4 minutes on 2 busy cores.
 *
 * <p>Run it from the repository root (or pass --repo): it reads conf/demo.yaml and deploy/demo. Every Spark session
 * runs in a child JVM of its own, started with what Spark's local-cluster mode needs to launch executor JVMs from
 * a plain classpath (spark.testing, a Spark "home" for the workers' directories, the classpath for the executors,
 * loopback binding) and the JVM options Spark needs on Java 17. One session per JVM also keeps the executor-side
 * caches of one leg from warming the other. Every figure comes from Spark's listener events and task metrics or
 * from the run's own metrics.jsonl, written as JSON by the child and read back as JSON: no log parsing.
 */
public final class SparkRoundBench {
    /** What Spark 4 needs opened on Java 17 (the same list as the build's jvm.module.opens), and the Vector API. */
    private static final List<String> MODULE_OPENS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "--add-modules=jdk.incubator.vector"); // and the engine's fused kernels (the build's jvm.engine.options)
    private static final long LEG_TIMEOUT_MINUTES = 10;
    private static final double BYTES_TARGET = 1.1;
    private static final double OVERHEAD_TARGET = 0.05;

    private SparkRoundBench() {
    }

    /** Command-line settings; the child legs get the same ones plus --leg, --leg-out and --work. */
    static final class Options {
        Path out;
        /** Rounds of the default-size LoRA job (every session). 30 demo rounds take ~10-20 s. */
        int rounds = 30;
        /**
         * Rounds of a session's first job dropped from its medians: the executors build their graphs in round 1
         * and their JIT keeps speeding rounds up for about ten more (measured on 2 loaded cores).
         */
        int warmup = 10;
        /** The larger round: 4x the demo's 16 rows, so 32 rows (4 micro-batches) per task instead of 8 (1). */
        int largeBatchRows = 64;
        int largeRounds = 12;
        /** Full-model rounds: bytes are the same every round, so a few suffice. */
        int fullRounds = 8;
        int executorMb = 1024;
        /**
         * Pairs of (one-executor, two-executor) sessions. The scaling ratio compares sessions run one after the
         * other on a shared machine; alternating them twice and pooling the rounds evens out load that drifts.
         */
        int repeats = 2;
        /** Child only: whether this session also runs the larger-round and full-model jobs (the first pair's). */
        boolean extras = true;
        Path repo = Path.of("").toAbsolutePath();
        String leg;
        Path legOut;
        Path work;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--help") || flag.equals("-h")) {
                    throw new IllegalArgumentException("");
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String v = args[++i];
                switch (flag) {
                    case "--out" -> o.out = Path.of(v).toAbsolutePath();
                    case "--rounds" -> o.rounds = Integer.parseInt(v);
                    case "--warmup" -> o.warmup = Integer.parseInt(v);
                    case "--large-batch-rows" -> o.largeBatchRows = Integer.parseInt(v);
                    case "--large-rounds" -> o.largeRounds = Integer.parseInt(v);
                    case "--full-rounds" -> o.fullRounds = Integer.parseInt(v);
                    case "--executor-memory" -> o.executorMb = Integer.parseInt(v);
                    case "--repeats" -> o.repeats = Integer.parseInt(v);
                    case "--extras" -> o.extras = Boolean.parseBoolean(v);
                    case "--repo" -> o.repo = Path.of(v).toAbsolutePath();
                    case "--leg" -> o.leg = v;
                    case "--leg-out" -> o.legOut = Path.of(v);
                    case "--work" -> o.work = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (o.leg == null && o.out == null) {
                throw new IllegalArgumentException("--out FILE.json is required");
            }
            // Medians need measured rounds after warm-up, and a cycle needs a next round.
            if (o.rounds < o.warmup + 3 || o.largeRounds < BenchLeg.LATER_JOB_WARMUP + 3) {
                throw new IllegalArgumentException("--rounds must be at least --warmup + 3 and --large-rounds at least "
                        + (BenchLeg.LATER_JOB_WARMUP + 3));
            }
            if (o.fullRounds < 2 || o.repeats < 1) {
                throw new IllegalArgumentException("--full-rounds must be at least 2 and --repeats at least 1");
            }
            if (!Files.isRegularFile(o.repo.resolve("conf/demo.yaml"))) {
                throw new IllegalArgumentException(o.repo + " has no conf/demo.yaml; run from the repository root or pass --repo");
            }
            return o;
        }

        List<String> childArgs() {
            return List.of("--rounds", "" + rounds, "--warmup", "" + warmup, "--large-batch-rows", "" + largeBatchRows,
                    "--large-rounds", "" + largeRounds, "--full-rounds", "" + fullRounds, "--executor-memory",
                    "" + executorMb, "--repeats", "" + repeats, "--repo", repo.toString());
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rounds", rounds);
            m.put("warmup_rounds", warmup);
            m.put("large_batch_rows", largeBatchRows);
            m.put("large_rounds", largeRounds);
            m.put("full_model_rounds", fullRounds);
            m.put("executor_memory_mb", executorMb);
            m.put("repeats", repeats);
            return m;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println((e.getMessage().isEmpty() ? "" : e.getMessage() + "\n")
                    + "usage: SparkRoundBench --out FILE.json [--rounds N] [--warmup W] [--large-batch-rows B]"
                    + " [--large-rounds N] [--full-rounds N] [--repeats N] [--executor-memory MB] [--repo DIR]");
            System.exit(2);
            return;
        }
        if (options.leg != null) {
            Map<String, Object> result = new BenchLeg(options).run();
            json().writeValue(options.legOut.toFile(), result);
            System.exit(0); // Spark leaves non-daemon threads behind
        }
        Map<String, Object> report = orchestrate(options);
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        json().writeValue(options.out.toFile(), report);
        System.out.print(Report.render(report));
        System.out.println("wrote " + options.out);
    }

    private static Map<String, Object> orchestrate(Options options) throws Exception {
        Path work = Files.createTempDirectory("spark-round-bench");
        long start = System.nanoTime();
        // Alternating one- and two-executor sessions; in each two-executor session the default job runs first, so it
        // directly follows a one-executor run. The first pair's two-executor session also runs the larger round and
        // the full-model baseline (bytes and overhead come from it).
        List<Map<String, Object>> one = new ArrayList<>();
        List<Map<String, Object>> two = new ArrayList<>();
        for (int i = 1; i <= options.repeats; i++) {
            one.add(leg(options, BenchLeg.ONE_EXECUTOR, i, false, work));
            two.add(leg(options, BenchLeg.TWO_EXECUTORS, i, i == 1, work));
        }
        Map<String, Object> report = Report.build(options, one, two);
        report.put("bench_wall_seconds", (System.nanoTime() - start) / 1e9);
        deleteTree(work); // kept when a leg fails, for its logs
        return report;
    }

    /** Runs one leg in a child JVM and returns what it wrote; on failure shows the end of its log. */
    private static Map<String, Object> leg(Options options, String leg, int repeat, boolean extras, Path work)
            throws Exception {
        Path legWork = Files.createDirectories(work.resolve(leg + "-" + repeat));
        Path sparkHome = Files.createDirectories(legWork.resolve("spark-home"));
        Path legOut = legWork.resolve("result.json");
        Path log = legWork.resolve("leg.log");
        // Absolute entries: executors start in directories of their own, where relative ones would not resolve.
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        command.addAll(MODULE_OPENS);
        // local-cluster launches executors through the standalone worker code: with spark.testing it adds this
        // JVM's classpath to theirs and takes its "Spark home" (where the workers keep executor directories) from
        // spark.test.home instead of SPARK_HOME.
        command.add("-Dspark.testing=1");
        command.add("-Dspark.test.home=" + sparkHome);
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-cp");
        command.add(classpath);
        command.add(SparkRoundBench.class.getName());
        command.addAll(options.childArgs());
        command.addAll(List.of("--leg", leg, "--extras", "" + extras, "--leg-out", legOut.toString(),
                "--work", legWork.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_TESTING", "1");
        env.put("SPARK_SCALA_VERSION", scalaBinaryVersion());
        env.put("SPARK_DIST_CLASSPATH", classpath); // the executors' classpath, whatever the launcher's mode
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("OMP_NUM_THREADS", "1"); // one core per executor: ND4J must not spawn a thread per machine core
        Double background = backgroundCpuBusy();
        System.out.printf("running the %s session %d (log: %s) ...%n", leg, repeat, log);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean finished = p.waitFor(LEG_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // the executor JVMs this leg started
            p.destroyForcibly().waitFor();
        }
        if (!finished || p.exitValue() != 0 || !Files.isRegularFile(legOut)) {
            List<String> lines = Files.readAllLines(log);
            System.err.println(String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size())));
            throw new IllegalStateException("the " + leg + " leg " + (finished ? "failed (exit " + p.exitValue() + ")"
                    : "timed out after " + LEG_TIMEOUT_MINUTES + " minutes") + "; its log is above");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("  done in %.0f s%n", seconds);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = new ObjectMapper().readValue(legOut.toFile(), LinkedHashMap.class);
        result.put("repeat", repeat);
        result.put("session_wall_seconds", seconds);
        result.put("background_cpu_busy_fraction", background);
        return result;
    }

    /**
     * How busy the machine's CPUs were over one second just before a session, while this benchmark ran nothing:
     * other tenants' load, which the figures cannot separate out. From /proc/stat; null where there is none.
     */
    private static Double backgroundCpuBusy() {
        try {
            long[] a = cpuTicks();
            Thread.sleep(1000);
            long[] b = cpuTicks();
            long total = b[0] - a[0];
            return total <= 0 ? null : (double) (total - (b[1] - a[1])) / total;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {total, idle + iowait} jiffies from the aggregate "cpu" line of /proc/stat (user nice system idle iowait ...). */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= 8 && i < f.length; i++) { // user .. steal; guest time is already counted in user
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static String scalaBinaryVersion() {
        String[] parts = scala.util.Properties$.MODULE$.versionNumberString().split("\\.");
        return parts[0] + "." + parts[1];
    }

    static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static double bytesTarget() {
        return BYTES_TARGET;
    }

    static double overheadTarget() {
        return OVERHEAD_TARGET;
    }
}
