package io.sparklora.jobs.storage;

import io.sparklora.jobs.cli.SparkLoraMain;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Secrets given to Hadoop through Spark settings never reach a run's outputs or its log; no file is deserialized. */
class CredentialsTest {
    private static final List<String> SECRETS = List.of("DUMMY-SECRET-4242", "DUMMY-ACCESS-4242", "DUMMY-TOKEN-4242");

    @TempDir
    Path dir;

    @Test
    void dummySecretsInTheHadoopConfigurationAppearInNoOutputFileAndNoLogLine() throws Exception {
        Path model = TinyJob.model(dir);
        Path data = TinyJob.dataset(dir);
        Path output = dir.resolve("run");
        Path yaml = CliRuns.write(dir.resolve("job.yaml"), TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, 4));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        String log;
        // SparkLoraMain.run takes this session from getOrCreate and stops it at the end.
        SparkSession spark = LocalSpark.start("local[2]",
                "spark.hadoop.fs.s3a.secret.key", SECRETS.get(0),
                "spark.hadoop.fs.s3a.access.key", SECRETS.get(1),
                "spark.hadoop.fs.azure.account.key.x", SECRETS.get(2));
        try (LogCapture capture = new LogCapture();
             PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            assertThat(spark.sparkContext().hadoopConfiguration().get("fs.s3a.secret.key"))
                    .as("the secret reached the Hadoop configuration the run uses").isEqualTo(SECRETS.get(0));
            assertThat(spark.sparkContext().hadoopConfiguration().get("fs.azure.account.key.x")).isEqualTo(SECRETS.get(2));
            code = SparkLoraMain.run(new String[] {"train", "--config", yaml.toString()}, o, e);
            log = capture.text();
        } finally {
            spark.stop();
        }
        assertThat(code).as("exit code; stderr: %s", err).isEqualTo(SparkLoraMain.OK);

        Map<Path, byte[]> files = CliRuns.snapshot(output);
        assertThat(files.keySet()).as("the run wrote its outputs")
                .anyMatch(p -> p.endsWith("summary.json"))
                .anyMatch(p -> p.endsWith("metrics.jsonl"))
                .anyMatch(p -> p.toString().contains("/adapter/"));
        for (String secret : SECRETS) {
            byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
            files.forEach((p, bytes) -> assertThat(io.sparklora.jobs.testing.Bytes.indexOf(bytes, needle)).as("%s in %s", secret, p).isEqualTo(-1));
            assertThat(out.toString(StandardCharsets.UTF_8)).as("stdout").doesNotContain(secret);
            assertThat(err.toString(StandardCharsets.UTF_8)).as("stderr").doesNotContain(secret);
            assertThat(log).as("log output").doesNotContain(secret);
        }
        assertThat(log).as("the log was captured").contains("eval at round");
    }

    @Test
    void objectInputStreamIsUsedOnlyForSparksSerializationOfTheHadoopConfiguration() throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        if (!Files.isDirectory(repo.resolve("src/main/java"))) {
            repo = repo.resolve("spark-jobs");
        }
        List<Path> roots = List.of(repo.resolve("src/main/java"), repo.resolveSibling("lora-core").resolve("src/main/java"));
        List<String> users;
        try (Stream<Path> all = roots.stream().flatMap(r -> {
            assertThat(r).as("source root").isDirectory();
            try {
                return Files.walk(r);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            users = all.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String src = Files.readString(p);
                    return src.contains("ObjectInputStream") || src.contains("readObject(") || src.contains("XMLDecoder");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(p -> p.toString().replace('\\', '/')).toList();
        }
        assertThat(users).hasSize(1);
        assertThat(users.get(0)).endsWith("spark-jobs/src/main/java/io/sparklora/jobs/io/SerializableHadoopConf.java");
    }
}
