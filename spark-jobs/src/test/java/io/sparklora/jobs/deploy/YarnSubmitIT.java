package io.sparklora.jobs.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.RunLayout;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.SparkLoraMain.DATA_ERROR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/submit-yarn.sh against a real YARN cluster and HDFS running in this JVM (MiniYARNCluster, MiniDFSCluster): the
 * model, the data, the job YAML and the cluster jar on HDFS, the command the script builds run by a Spark
 * distribution's bin/spark-submit (made from the Maven-resolved jars), two executors of one core each. Checks what a
 * scheduler relies on: the submit command's exit code, the application's final status in YARN, the outputs on HDFS,
 * and no application left behind; and that an executor container taken back by YARN mid-run changes nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnSubmitIT {
    private static final int ROUNDS = 16;
    private static final long SUBMIT_TIMEOUT_SECONDS = 240;
    private static final String JOB = "/jobs/job.yaml";

    @TempDir
    static Path dir;
    static MiniHadoop hadoop;
    static SparkDistribution spark;
    static Path localClusterJar;
    /** The adapter's files after the undisturbed client-mode run: every other successful run must equal them. */
    static Map<String, byte[]> reference;

    @BeforeAll
    static void startClusters() throws Exception {
        long t0 = System.nanoTime();
        hadoop = MiniHadoop.start(dir);
        double clusters = (System.nanoTime() - t0) / 1e9;
        spark = SparkDistribution.create(dir.resolve("spark-home"), List.of(
                // Containers find Spark's jars where every node has them (no upload per job), and run the JDK this
                // build runs on, whatever the node's default.
                "spark.yarn.jars local:" + dir.resolve("spark-home/jars") + "/*",
                "spark.yarn.appMasterEnv.JAVA_HOME " + System.getProperty("java.home"),
                "spark.executorEnv.JAVA_HOME " + System.getProperty("java.home"),
                // Containers bind to 127.0.0.1, like everything else in the test.
                "spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1",
                "spark.executorEnv.SPARK_LOCAL_IP 127.0.0.1",
                // A failed job fails its one attempt: YARN's default second attempt would run it again.
                "spark.yarn.maxAppAttempts 1",
                // No web UI: none is looked at here, and in client mode Spark 4.2.0 can fail to start its UI when
                // the ApplicationMaster registers (adding its proxy filter) while the UI attaches its handlers.
                "spark.ui.enabled false"));
        localClusterJar = StandaloneClusterIT.clusterJar(Path.of(System.getProperty("sparklora.jobs.jar")).getParent());

        Path model = TinyJob.model(dir);
        Path data = TinyJob.dataset(dir);
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{broken\n".repeat(10));
        put(model, "/models/tiny");
        put(data, "/data/train.jsonl");
        put(broken, "/data/broken.jsonl");
        put(localClusterJar, "/apps/sparklora-cluster.jar");
        putText(JOB, job("/data/train.jsonl"));
        putText("/jobs/broken-data.yaml", job("/data/broken.jsonl"));
        putText("/jobs/typo.yaml", job("/data/train.jsonl").replace("  learning_rate:", "  learning_rte:"));
        System.out.printf("YarnSubmitIT: HDFS and YARN up in %.1f s, inputs and cluster jar on HDFS after %.1f s%n",
                clusters, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stopClusters() throws IOException {
        if (hadoop != null) {
            hadoop.close();
        }
    }

    /**
     * A client-mode driver that stops before its ApplicationMaster has connected cannot tell it so: the
     * ApplicationMaster then ends once it finds the driver gone, which on a loaded machine takes a minute or more.
     */
    @AfterEach
    void noApplicationLeftRunning() throws Exception {
        List<ApplicationReport> unfinished = hadoop.unfinished();
        for (int i = 0; i < 240 && !unfinished.isEmpty(); i++) {
            Thread.sleep(500);
            unfinished = hadoop.unfinished();
        }
        assertThat(unfinished).as("applications still running in YARN").isEmpty();
    }

    private static String job(String data) {
        return TinyJob.yaml(hadoop.hdfs + "/models/tiny", hadoop.hdfs + data, hadoop.hdfs + "/runs/default", 2, ROUNDS);
    }

    private static void put(Path local, String target) throws IOException {
        hadoop.fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), hadoop.path(target));
    }

    private static void putText(String target, String text) throws IOException {
        Path local = Files.createTempFile(dir, "upload", ".txt");
        Files.writeString(local, text);
        put(local, target);
    }

    @Test
    @Order(1)
    void clientModeTrainsAndWritesTheAdapterAndSummaryToHdfs() throws Exception {
        Submit run = Submit.start(this, "client-ok", "client", JOB, localClusterJar.toString());
        run.finish();

        run.exitsWith(0);
        assertThat(hadoop.application(run.name).getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
        reference = succeeded(run);
    }

    @Test
    @Order(2)
    void clusterModeWithTheJarOnHdfsTrainsTheSameAdapter() throws Exception {
        Submit run = Submit.start(this, "cluster-ok", "cluster", JOB, hadoop.hdfs + "/apps/sparklora-cluster.jar");
        run.finish();

        run.exitsWith(0);
        assertThat(hadoop.application(run.name).getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
        assertThat(succeeded(run)).as("the cluster-mode adapter equals the client-mode one")
                .containsExactlyInAnyOrderEntriesOf(reference);
    }

    @Test
    @Order(3)
    void aConfigurationErrorExitsWithTheConfigurationCode() throws Exception {
        Submit run = Submit.start(this, "client-typo", "client", "/jobs/typo.yaml", localClusterJar.toString());
        run.finish();

        run.exitsWith(CONFIG_ERROR);
        assertThat(run.console).contains("configuration error: ").contains("unknown key train.learning_rte")
                .contains("did you mean train.learning_rate?");
        assertNoAdapter(run);
    }

    @Test
    @Order(4)
    void aDataErrorExitsWithTheDataCode() throws Exception {
        Submit run = Submit.start(this, "client-broken", "client", "/jobs/broken-data.yaml", localClusterJar.toString());
        run.finish();

        run.exitsWith(DATA_ERROR);
        assertThat(run.console).contains("data error: ").contains("10 rows are unusable");
        assertNoAdapter(run);
    }

    @Test
    @Order(5)
    void aFailedJobInClusterModeIsFailedInYarnAndInTheExitCode() throws Exception {
        Submit run = Submit.start(this, "cluster-broken", "cluster", "/jobs/broken-data.yaml",
                hadoop.hdfs + "/apps/sparklora-cluster.jar");
        run.finish();

        assertThat(run.process.exitValue()).as("exit code of %s; output:%n%s", run.name, run.console).isNotZero();
        ApplicationReport report = hadoop.application(run.name);
        assertThat(report.getYarnApplicationState()).isEqualTo(YarnApplicationState.FINISHED);
        assertThat(report.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.FAILED);
        assertNoAdapter(run);
        System.out.printf("YarnSubmitIT %s: spark-submit exit %d, YARN %s/%s: %s%n", run.name, run.process.exitValue(),
                report.getYarnApplicationState(), report.getFinalApplicationStatus(), report.getDiagnostics());
    }

    @Test
    @Order(6)
    void anExecutorContainerPreemptedMidRunChangesNothing() throws Exception {
        Submit run = Submit.start(this, "client-preempted", "client", JOB, localClusterJar.toString());
        // Wait until the run is past its second checkpoint (round 4 of ROUNDS), then take an executor back.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SUBMIT_TIMEOUT_SECONDS);
        while (latestCheckpoint(run) < 4 && run.process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        int checkpointed = latestCheckpoint(run);
        assertThat(checkpointed).as("round 4 checkpointed; output:%n%s", Files.readString(run.log))
                .isBetween(4, ROUNDS - 2);
        ApplicationReport app = hadoop.application(run.name);
        ContainerId am = hadoop.amContainer(app);
        List<ContainerId> executors = hadoop.liveContainers(app.getApplicationId()).stream()
                .filter(c -> !c.equals(am)).toList();
        assertThat(executors).as("executor containers").hasSize(2);
        hadoop.preempt(executors.get(0));
        run.finish();

        run.exitsWith(0);
        assertThat(run.console).as("the driver heard of the preemption").containsIgnoringCase("preempted");
        assertThat(hadoop.application(run.name).getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
        assertThat(succeeded(run)).as("the adapter after a preempted executor equals the undisturbed one")
                .containsExactlyInAnyOrderEntriesOf(reference);
    }

    /** The last round with a complete checkpoint on HDFS, 0 before the first. */
    private static int latestCheckpoint(Submit run) throws IOException {
        FileStatus[] done = hadoop.fs.globStatus(hadoop.path(
                run.output + "/" + RunLayout.CHECKPOINTS + "/round-*/_COMPLETE"));
        int latest = 0;
        for (FileStatus s : done == null ? new FileStatus[0] : done) {
            latest = Math.max(latest, Integer.parseInt(s.getPath().getParent().getName().substring("round-".length())));
        }
        return latest;
    }

    /** summary.json says succeeded after ROUNDS rounds; returns the adapter's files. */
    private static Map<String, byte[]> succeeded(Submit run) throws IOException {
        JsonNode summary = new ObjectMapper().readTree(read(run.output + "/" + RunLayout.SUMMARY));
        assertThat(summary.path("status").asText()).as("summary.json of %s", run.name).isEqualTo("succeeded");
        assertThat(summary.path("rounds").asInt()).isEqualTo(ROUNDS);
        return Map.of(PeftFormat.CONFIG_FILE, read(run.output + "/adapter/" + PeftFormat.CONFIG_FILE),
                PeftFormat.WEIGHTS_FILE, read(run.output + "/adapter/" + PeftFormat.WEIGHTS_FILE));
    }

    private static byte[] read(String hdfsPath) throws IOException {
        try (FSDataInputStream in = hadoop.fs.open(hadoop.path(hdfsPath))) {
            return in.readAllBytes();
        }
    }

    private static void assertNoAdapter(Submit run) throws IOException {
        assertThat(hadoop.fs.exists(hadoop.path(run.output + "/adapter"))).as("adapter of %s", run.name).isFalse();
    }

    /** A spark-submit run through deploy/submit-yarn.sh, its output in a log file. */
    static final class Submit {
        final String name;
        final String output;
        final Path log;
        final Process process;
        final long started = System.nanoTime();
        double seconds;
        String console = "";

        private Submit(String name, String output, Path log, Process process) {
            this.name = name;
            this.output = output;
            this.log = log;
            this.process = process;
        }

        static Submit start(YarnSubmitIT test, String name, String deployMode, String jobFile, String clusterJar)
                throws IOException {
            Path root = Path.of("").toAbsolutePath().getParent();
            String output = "/runs/" + name;
            Path log = dir.resolve(name + ".log");
            List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("deploy/submit-yarn.sh").toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            // The test JVM's local-cluster settings must not reach spark-submit: it sees only the distribution.
            env.remove("SPARK_DIST_CLASSPATH");
            env.remove("SPARK_TESTING");
            env.put("SPARK_LOCAL_IP", "127.0.0.1");
            env.put("SPARK_HOME", spark.home.toString());
            env.put("SPARK_SUBMIT", spark.sparkSubmit().toString());
            env.put("HADOOP_CONF_DIR", hadoop.confDir.toString());
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("JOB_CONFIG", hadoop.hdfs + jobFile);
            env.put("OUTPUT_PATH", hadoop.hdfs + output);
            env.put("CLUSTER_JAR", clusterJar);
            env.put("DEPLOY_MODE", deployMode);
            env.put("APP_NAME", name);
            env.put("NUM_EXECUTORS", "2");
            env.put("EXECUTOR_CORES", "1");
            env.put("EXECUTOR_MEMORY", "512m");
            env.put("EXECUTOR_MEMORY_OVERHEAD", "512m");
            env.put("DRIVER_MEMORY", "768m");
            env.put("OMP_NUM_THREADS", "1");
            return new Submit(name, output, log, pb.start());
        }

        void finish() throws Exception {
            boolean finished = process.waitFor(SUBMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            seconds = (System.nanoTime() - started) / 1e9;
            console = Files.readString(log);
            if (!finished || process.exitValue() != 0) {
                console += "\nYARN applications: " + hadoop.applications() + "\nContainer logs:\n" + hadoop.containerLogs();
            }
            System.out.printf("YarnSubmitIT %s: exit %s after %.1f s%n%s%n", name,
                    finished ? process.exitValue() : "timeout", seconds, console);
            assertThat(finished).as("%s finished within %d s; output:%n%s", name, SUBMIT_TIMEOUT_SECONDS, console)
                    .isTrue();
        }

        void exitsWith(int code) {
            assertThat(process.exitValue()).as("exit code of %s; output:%n%s", name, console).isEqualTo(code);
        }
    }
}
