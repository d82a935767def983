package io.sparklora.jobs.cli;

import io.sparklora.jobs.testing.CliRuns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The CUDA build (tag cuda-build, run only with -Pcuda) started on a machine without an NVIDIA driver: training on
 * Spark local mode and a tool each stop with exit code 1 and the one line saying so, not ND4J's native stack trace,
 * and training writes no adapter.
 */
@Tag("cuda-build")
class CudaStartupTest {
    static final String NO_DRIVER = "CUDA backend unavailable: no NVIDIA driver on this machine (libcuda.so.1 not found)";

    @TempDir
    Path dir;

    @Test
    void trainingStopsWithOneLine() {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
        Path output = dir.resolve("run");
        CliRuns.Result r = ToolFixtures.cli("train", "--config", "../conf/demo.yaml", "--set", "model.path=../deploy/demo/model",
                "--set", "data.path=../deploy/demo/data/train.jsonl", "--set", "output.path=" + output,
                "--set", "train.rounds=2");
        assertThat(r.code()).isEqualTo(SparkLoraMain.FAILED);
        assertThat(r.err().strip()).startsWith(NO_DRIVER).doesNotContain("\n").doesNotContain("Exception");
        assertThat(output.resolve("adapter")).doesNotExist();
    }

    @Test
    void aToolStopsWithTheSameLine() {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
        CliRuns.Result r = ToolFixtures.cli("generate", "--model", "../deploy/demo/model", "--prompt", "the cow says ");
        assertThat(r.code()).isEqualTo(SparkLoraMain.FAILED);
        assertThat(r.err().strip()).startsWith(NO_DRIVER).doesNotContain("\n");
        assertThat(r.out()).isEmpty();
    }
}
