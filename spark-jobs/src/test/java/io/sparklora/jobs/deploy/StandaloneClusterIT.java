package io.sparklora.jobs.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/standalone-local.sh end to end: a Spark standalone master and two worker JVMs started from the Maven-resolved
 * Spark jars, the shaded cluster jar submitted to them (executors load nothing else), four training rounds. About two
 * minutes on two cores.
 */
class StandaloneClusterIT {
    private static final long TIMEOUT_MINUTES = 8;

    @TempDir
    Path dir;

    @Test
    void theDemoTrainsOnAStandaloneClusterFromTheClusterJar() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path script = root.resolve("deploy/standalone-local.sh");
        Path clusterJar = clusterJar(Path.of(System.getProperty("sparklora.jobs.jar")).getParent());
        Path log = dir.resolve("standalone.log");
        Path output = dir.resolve("run");

        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--set", "train.rounds=4")
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // Failsafe's local-cluster settings would leak the test classpath into the executors: the script unsets
        // them too, this keeps the test independent of that.
        env.remove("SPARK_DIST_CLASSPATH");
        env.remove("SPARK_TESTING");
        env.put("SKIP_BUILD", "1");
        env.put("CLUSTER_JAR", clusterJar.toString());
        env.put("OUTPUT_PATH", output.toString());
        env.put("TMPDIR", dir.toString());
        Process process = pb.start();
        boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        String console = Files.readString(log);

        assertThat(finished).as("finished within %d minutes; output:%n%s", TIMEOUT_MINUTES, console).isTrue();
        assertThat(process.exitValue()).as("exit code; output:%n%s", console).isZero();
        assertThat(console).contains("2 workers registered").contains("round 4/4");
        JsonNode summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertThat(summary.path("status").asText()).isEqualTo("succeeded");
        assertThat(summary.path("config").path("train").path("rounds").asInt()).isEqualTo(4);
        assertThat(output.resolve("adapter/adapter_model.safetensors")).isRegularFile().isNotEmptyFile();
        List<String> executorLogs;
        try (Stream<Path> files = Files.walk(dir)) {
            executorLogs = files.filter(p -> p.getFileName().toString().equals("stderr")).map(Path::toString).toList();
        }
        assertThat(executorLogs).as("the script removes its work directory after a success").isEmpty();
        // The master, workers and executors all run from the script's work directory (under TMPDIR).
        assertThat(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains(dir.toString())).toList())
                .as("master, workers and executors stopped").isEmpty();
    }

    static Path clusterJar(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            List<Path> jars = files.filter(p -> p.getFileName().toString().matches("sparklora-.*-cluster\\.jar")).toList();
            assertThat(jars).as("the shaded cluster jar under %s", target).hasSize(1);
            return jars.get(0);
        }
    }
}
