package io.sparklora.jobs.testing;

import io.sparklora.jobs.cli.SparkLoraMain;
import org.apache.spark.sql.SparkSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the real CLI on a fresh Spark local[2] session and checks what a failed run must and must not leave behind. */
public final class CliRuns {
    private CliRuns() {
    }

    /** What one CLI run returned and printed. */
    public record Result(int code, String out, String err) {
        /** Asserts the exit code and exactly one line on stderr starting with {@code prefix}, without a stack trace. */
        public String failsWith(int expected, String prefix) {
            assertThat(code).as("exit code; stderr was:%n%s", err).isEqualTo(expected);
            String message = err.strip();
            assertThat(message).as("stderr").startsWith(prefix);
            assertThat(message).as("stderr is one message").doesNotContain("\n");
            assertThat(message).as("stderr has no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
            return message;
        }

        public void succeeds() {
            assertThat(code).as("exit code; stderr was:%n%s", err).isEqualTo(SparkLoraMain.OK);
            assertThat(err).as("stderr").isEmpty();
        }
    }

    /** {@code train --config <yaml> [--set k=v]...} on a new local session; run() stops it at the end. */
    public static Result train(Path config, String... sets) {
        String[] args = new String[2 + 2 * sets.length + 1];
        args[0] = "train";
        args[1] = "--config";
        args[2] = config.toString();
        for (int i = 0; i < sets.length; i++) {
            args[3 + 2 * i] = "--set";
            args[4 + 2 * i] = sets[i];
        }
        return run(args);
    }

    public static Result run(String... args) {
        // run() stops the session it ran on, but not when it returns before starting Spark (usage errors): stop it
        // here too, so that no later test class gets this local[2] session from getOrCreate().
        SparkSession spark = LocalSpark.start("local[2]");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = SparkLoraMain.run(args, o, e);
        } finally {
            spark.stop();
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A job YAML over the tiny model: 2 rounds, 2 workers, 4 rows a batch, no checkpoints; {@code data} is the data section's body. */
    public static String yaml(Path model, String data, Path output) {
        return """
                model:
                  path: %s
                lora:
                  r: 4
                  alpha: 8
                  target_modules: [q_proj, v_proj]
                data:
                %s
                train:
                  batch_rows: 4
                  micro_batch_rows: 2
                  rounds: 2
                  learning_rate: 0.01
                  schedule: constant
                distributed:
                  workers: 2
                checkpoint:
                  every_rounds: 0
                output:
                  path: %s
                """.formatted(model, data.strip().indent(2).stripTrailing(), output);
    }

    /** Plain JSON Lines text data at {@code path}. */
    public static String jsonl(Path path) {
        return "path: " + path + "\nformat: jsonl\nmax_seq_len: 16\n";
    }

    /** Every regular file under the roots (or the roots themselves when files), with its bytes. */
    public static Map<Path, byte[]> snapshot(Path... roots) {
        Map<Path, byte[]> files = new TreeMap<>();
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    files.put(p, Files.readAllBytes(p));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The same files with the same bytes; no file added, removed or changed. */
    public static void assertUnchanged(Map<Path, byte[]> before, Path... roots) {
        Map<Path, byte[]> after = snapshot(roots);
        assertThat(after.keySet()).as("files under %s", java.util.Arrays.toString(roots)).isEqualTo(before.keySet());
        before.forEach((p, bytes) -> assertThat(after.get(p)).as("bytes of %s", p).isEqualTo(bytes));
    }

    public static void assertNoAdapter(Path output) {
        assertThat(output.resolve("adapter")).as("adapter under output.path").doesNotExist();
    }

    public static Path write(Path file, String text) {
        return write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
