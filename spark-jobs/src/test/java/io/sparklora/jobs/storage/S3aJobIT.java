package io.sparklora.jobs.storage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.jobs.cli.SparkLoraMain;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.faults.FaultRuns;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.S3Server;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job on S3 through S3A, against a real S3-protocol server (S3Proxy, filesystem backend) on 127.0.0.1
 * with path-style requests: model, data, job file, checkpoints, adapter, metrics, report and summary all on
 * {@code s3a://}. The adapter equals, byte for byte, the same job's on local files; a driver killed while writing
 * a checkpoint or while publishing the adapter leaves nothing a reader takes for complete, and the rerun ends with
 * the same adapter; the credentials (given through Spark's Hadoop settings, or a Hadoop credential provider file)
 * appear in no output object, log line, or Spark event log, and Spark's environment page shows them redacted.
 */
class S3aJobIT {
    private static final int ROUNDS = 6; // checkpoints (every 2 rounds, keep 2) at rounds 2 and 4
    private static final String BUCKET = "lake";
    private static final String ACCESS_KEY = "SLTESTACCESS7Q2XK4";
    private static final String SECRET_KEY = "sl-test-secret-9Zt4wQv81mPc";
    private static final String SESSION_TOKEN = "sl-test-session-token-5KxR3n";
    private static final List<String> SECRETS = List.of(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN);
    private static final String CREDENTIAL_PATH = "hadoop.security.credential.provider.path";

    @TempDir
    static Path dir;
    static S3Server s3;
    static FileSystem bucket;
    static Path localModel;
    static byte[] localWeights;
    static Path jceks;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(dir, ACCESS_KEY, SECRET_KEY, BUCKET);
        Configuration conf = new Configuration();
        s3.s3aSettings().forEach(conf::set);
        keys().forEach(conf::set);
        bucket = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), conf);

        localModel = TinyJob.model(dir);
        Path localData = TinyJob.dataset(dir);
        bucket.copyFromLocalFile(hpath(localModel.toUri().toString()), s3a("models/tiny"));
        bucket.copyFromLocalFile(hpath(localData.toUri().toString()), s3a("data/train.jsonl"));

        // The credential provider file the child JVMs read their keys from (JCEKS, Hadoop's default password).
        jceks = dir.resolve("s3.jceks");
        Configuration providerConf = new Configuration();
        providerConf.set(CREDENTIAL_PATH, "jceks://file" + jceks.toAbsolutePath());
        CredentialProvider provider = CredentialProviderFactory.getProviders(providerConf).get(0);
        for (Map.Entry<String, String> key : keys().entrySet()) {
            provider.createCredentialEntry(key.getKey(), key.getValue().toCharArray());
        }
        provider.flush();

        // The reference: the same job on local files.
        Path localOut = dir.resolve("local-run");
        SparkSession spark = LocalSpark.start("local[2]");
        try {
            new TrainingMaster(spark, JobConfigLoader.parse(TinyJob.yaml(localModel.toString(), localData.toString(),
                    localOut.toString(), 2, ROUNDS), "local.yaml", List.of())).run();
        } finally {
            spark.stop();
        }
        localWeights = Files.readAllBytes(localOut.resolve(RunLayout.ADAPTER).resolve(PeftFormat.WEIGHTS_FILE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (bucket != null) {
            bucket.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("fs.s3a.access.key", ACCESS_KEY);
        k.put("fs.s3a.secret.key", SECRET_KEY);
        k.put("fs.s3a.session.token", SESSION_TOKEN);
        return k;
    }

    private static org.apache.hadoop.fs.Path hpath(String uri) {
        return new org.apache.hadoop.fs.Path(uri);
    }

    private static org.apache.hadoop.fs.Path s3a(String key) {
        return hpath("s3a://" + BUCKET + "/" + key);
    }

    private static String yaml(String run) {
        return TinyJob.yaml(s3a("models/tiny").toString(), s3a("data/train.jsonl").toString(), s3a("runs/" + run).toString(),
                2, ROUNDS);
    }

    private static byte[] read(String key) throws IOException {
        try (InputStream in = bucket.open(s3a(key))) {
            return in.readAllBytes();
        }
    }

    private static boolean exists(String key) throws IOException {
        return bucket.exists(s3a(key));
    }

    private static Map<String, Object> summary(String run) throws IOException {
        return new ObjectMapper().readValue(read("runs/" + run + "/" + RunLayout.SUMMARY), new TypeReference<>() {
        });
    }

    /** Every object key under {@code runs/<run>/}, relative to it. */
    private static TreeSet<String> objects(String run) throws IOException {
        String root = s3a("runs/" + run).toString() + "/";
        TreeSet<String> keys = new TreeSet<>();
        RemoteIterator<LocatedFileStatus> it = bucket.listFiles(s3a("runs/" + run), true);
        while (it.hasNext()) {
            keys.add(it.next().getPath().toString().substring(root.length()));
        }
        return keys;
    }

    /** The child JVM's options: S3A at the server, keys from the credential provider file, an event log. */
    private static String[] childSettings(Path eventLog, String... more) throws IOException {
        Files.createDirectories(eventLog);
        // Short-lived JVMs on a 2-core machine: the quick compiler only, and no parallel collector threads.
        List<String> props = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        s3.s3aSettings().forEach((k, v) -> props.add("-Dspark.hadoop." + k + "=" + v));
        props.add("-Dspark.hadoop." + CREDENTIAL_PATH + "=jceks://file" + jceks.toAbsolutePath());
        props.add("-Dspark.eventLog.enabled=true");
        props.add("-Dspark.eventLog.dir=" + eventLog.toUri());
        props.addAll(List.of(more));
        return props.toArray(String[]::new);
    }

    private static Path localYaml(String run) throws IOException {
        return CliRuns.write(dir.resolve(run + ".yaml"), yaml(run));
    }

    private static Process train(String run, String logName, String... settings) throws IOException {
        return FaultRuns.startTrain(localYaml(run), dir.resolve(logName), settings);
    }

    private static String finish(Process p, String logName, int expectedCode) throws Exception {
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("%s finishes", logName).isTrue();
        String log = FaultRuns.read(dir.resolve(logName));
        assertThat(p.exitValue()).as("exit code of %s; log:%n%s", logName, log).isEqualTo(expectedCode);
        return log;
    }

    @Test
    void theWholeJobOnS3aEqualsTheLocalRunAndNoSecretLeaks() throws Exception {
        bucket.copyFromLocalFile(hpath(localYaml("whole").toUri().toString()), s3a("jobs/whole.yaml"));
        Path eventLog = Files.createDirectories(dir.resolve("events-whole"));
        List<String> settings = new ArrayList<>(List.of("spark.ui.enabled", "true", "spark.ui.port", "0",
                "spark.eventLog.enabled", "true", "spark.eventLog.dir", eventLog.toUri().toString()));
        s3.s3aSettings().forEach((k, v) -> settings.addAll(List.of("spark.hadoop." + k, v)));
        keys().forEach((k, v) -> settings.addAll(List.of("spark.hadoop." + k, v)));

        long t0 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String environmentPage;
        String log;
        int code;
        SparkSession spark = LocalSpark.start("local[2]", settings.toArray(String[]::new));
        try (LogCapture capture = new LogCapture();
             PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            environmentPage = fetch(spark.sparkContext().uiWebUrl().get() + "/environment/");
            // SparkLoraMain.run takes this session from getOrCreate and stops it at the end.
            code = SparkLoraMain.run(new String[] {"train", "--config", s3a("jobs/whole.yaml").toString()}, o, e);
            log = capture.text();
        } finally {
            spark.stop();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(code).as("exit code; stderr: %s", err).isEqualTo(SparkLoraMain.OK);

        TreeSet<String> written = objects("whole");
        assertThat(written).contains(RunLayout.SUMMARY, RunLayout.METRICS, "report.html", "generations.jsonl",
                "plots/loss.png", "adapter/" + PeftFormat.CONFIG_FILE, "adapter/" + PeftFormat.WEIGHTS_FILE,
                "checkpoints/round-00000002/_COMPLETE", "checkpoints/round-00000004/_COMPLETE",
                "checkpoints/round-00000004/theta.safetensors");
        assertThat(written).as("nothing left of the adapter's staging").noneMatch(k -> k.startsWith("_staging"));
        assertThat(summary("whole").get("status")).isEqualTo("succeeded");
        assertThat(summary("whole").get("adapter_path")).asString().startsWith("s3a://" + BUCKET + "/runs/whole");
        byte[] weights = read("runs/whole/adapter/" + PeftFormat.WEIGHTS_FILE);
        System.out.printf("S3aJobIT (whole job on s3a://, in-process local[2]): %.1f s; %d objects written; adapter "
                + "weights byte-identical to the local run: %s%n", seconds, written.size(), java.util.Arrays.equals(
                weights, localWeights));
        assertThat(weights).isEqualTo(localWeights);

        // The environment page lists the keys, with their values redacted.
        assertThat(environmentPage).contains("fs.s3a.secret.key").contains("fs.s3a.access.key")
                .contains("fs.s3a.session.token").contains("redacted");
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("stdout", out.toString(StandardCharsets.UTF_8));
        texts.put("stderr", err.toString(StandardCharsets.UTF_8));
        texts.put("log", log);
        texts.put("environment page", environmentPage);
        String events = eventLogText(eventLog);
        assertThat(events).as("the event log records the keys, redacted by Spark's default spark.redaction.regex")
                .contains("\"fs.s3a.secret.key\":\"*********(redacted)\"")
                .contains("\"spark.hadoop.fs.s3a.access.key\":\"*********(redacted)\"")
                .contains("\"fs.s3a.session.token\":\"*********(redacted)\"");
        texts.put("event log", events);
        assertThat(log).as("the log was captured").contains("eval at round");
        assertNoSecret(texts);
    }

    @Test
    void aDriverKilledWhileWritingACheckpointOnS3ResumesFromThePreviousOne() throws Exception {
        Path events = dir.resolve("events-checkpoint");
        long t0 = System.nanoTime();
        finish(train("checkpoint", "checkpoint-1.log", childSettings(events,
                "-D" + FaultInjection.HALT_IN_CHECKPOINT_AT_ROUND + "=4")), "checkpoint-1.log", 137);
        double killedAt = (System.nanoTime() - t0) / 1e9;
        assertThat(exists("runs/checkpoint/checkpoints/round-00000004/theta.safetensors")).isTrue();
        assertThat(exists("runs/checkpoint/checkpoints/round-00000004/_COMPLETE")).as("torn checkpoint's marker").isFalse();
        assertThat(exists("runs/checkpoint/checkpoints/round-00000002/_COMPLETE")).isTrue();
        assertThat(exists("runs/checkpoint/adapter")).as("no adapter after the kill").isFalse();
        assertThat(summary("checkpoint").get("status")).isEqualTo("running");

        long t1 = System.nanoTime();
        String log = finish(train("checkpoint", "checkpoint-2.log", childSettings(events)), "checkpoint-2.log", 0);
        double rerun = (System.nanoTime() - t1) / 1e9;
        byte[] weights = read("runs/checkpoint/adapter/" + PeftFormat.WEIGHTS_FILE);
        System.out.printf("S3aJobIT (killed inside checkpoint round-00000004 on S3): halted %.1f s in; rerun %.1f s, "
                        + "resumed from round %s; adapter byte-identical to the local run: %s%n", killedAt, rerun,
                summary("checkpoint").get("resumed_from_round"), java.util.Arrays.equals(weights, localWeights));
        assertThat(log).contains("skipping checkpoint").contains("round-00000004");
        assertThat(summary("checkpoint").get("resumed_from_round")).isEqualTo(2);
        assertThat(summary("checkpoint").get("status")).isEqualTo("succeeded");
        assertThat(weights).isEqualTo(localWeights);
        assertChildRunsLeakNoSecret(events, "checkpoint-1.log", "checkpoint-2.log");
    }

    @Test
    void aDriverKilledWhilePublishingTheAdapterOnS3LeavesNoAdapterAReaderTakesForComplete() throws Exception {
        Path events = dir.resolve("events-publish");
        long t0 = System.nanoTime();
        finish(train("publish", "publish-1.log", childSettings(events,
                "-D" + FaultInjection.HALT_IN_ADAPTER_PUBLISH + "=true")), "publish-1.log", 137);
        double killedAt = (System.nanoTime() - t0) / 1e9;
        assertThat(exists("runs/publish/adapter/" + PeftFormat.WEIGHTS_FILE)).as("killed after the weights").isTrue();
        assertThat(exists("runs/publish/adapter/" + PeftFormat.CONFIG_FILE)).as("adapter_config.json, written last")
                .isFalse();
        assertThat(summary("publish").get("status")).isEqualTo("running");
        assertThat(objects("publish")).as("the killed publish's staging directory").anyMatch(k -> k.startsWith("_staging"));

        long t1 = System.nanoTime();
        finish(train("publish", "publish-2.log", childSettings(events)), "publish-2.log", 0);
        double rerun = (System.nanoTime() - t1) / 1e9;
        byte[] weights = read("runs/publish/adapter/" + PeftFormat.WEIGHTS_FILE);
        System.out.printf("S3aJobIT (killed while publishing the adapter on S3): halted %.1f s in; rerun %.1f s, "
                        + "resumed from round %s; adapter byte-identical to the local run: %s%n", killedAt, rerun,
                summary("publish").get("resumed_from_round"), java.util.Arrays.equals(weights, localWeights));
        assertThat(summary("publish").get("resumed_from_round")).isEqualTo(4);
        assertThat(summary("publish").get("status")).isEqualTo("succeeded");
        assertThat(exists("runs/publish/adapter/" + PeftFormat.CONFIG_FILE)).isTrue();
        assertThat(objects("publish")).noneMatch(k -> k.startsWith("_staging"));
        assertThat(weights).isEqualTo(localWeights);
        assertChildRunsLeakNoSecret(events, "publish-1.log", "publish-2.log");
    }

    private void assertChildRunsLeakNoSecret(Path eventLog, String... logs) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String l : logs) {
            texts.put(l, FaultRuns.read(dir.resolve(l)));
        }
        String events = eventLogText(eventLog);
        assertThat(events).as("the child runs wrote an event log with the Hadoop settings")
                .contains(CREDENTIAL_PATH);
        texts.put("event log", events);
        assertNoSecret(texts);
    }

    /** No secret in the texts nor in any object of the bucket (the server's files: every output of every run). */
    private static void assertNoSecret(Map<String, String> texts) throws IOException {
        Map<Path, byte[]> stored = CliRuns.snapshot(s3.store());
        assertThat(stored).as("objects in the store").isNotEmpty();
        for (String secret : SECRETS) {
            texts.forEach((what, text) -> assertThat(text).as("%s in %s", secret, what).doesNotContain(secret));
            byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
            stored.forEach((p, bytes) -> assertThat(io.sparklora.jobs.testing.Bytes.indexOf(bytes, needle)).as("%s in %s", secret, p).isEqualTo(-1));
        }
    }

    /** Every event log file under the directory, decompressed (Spark 4 writes zstd by default). */
    private static String eventLogText(Path eventLog) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Path, byte[]> f : CliRuns.snapshot(eventLog).entrySet()) {
            byte[] bytes = f.getValue();
            if (f.getKey().getFileName().toString().endsWith(".zstd")) {
                try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = in.readAllBytes();
                }
            }
            sb.append(new String(bytes, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static String fetch(String url) throws IOException {
        try (InputStream in = new URL(url).openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
