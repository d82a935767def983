package io.sparklora.core.backend;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The CUDA build's rules and lines, in the default (CPU) build; CudaPackagingTest runs the -Pcuda side. */
class CudaBuildTest {
    @Test
    void gpusRunTheBuildByComputeCapability() {
        assertThat(CudaBuild.runsOn(7, 0)).as("V100").isTrue();
        assertThat(CudaBuild.runsOn(7, 5)).as("T4, RTX 20").isTrue();
        assertThat(CudaBuild.runsOn(8, 0)).as("A100").isTrue();
        assertThat(CudaBuild.runsOn(8, 6)).as("A10, RTX 30").isTrue();
        assertThat(CudaBuild.runsOn(8, 9)).as("L4, RTX 40: the 8.6 code").isTrue();
        assertThat(CudaBuild.runsOn(3, 7)).as("K80").isTrue();
        assertThat(CudaBuild.runsOn(3, 5)).as("K40: older than any kernel").isFalse();
        assertThat(CudaBuild.runsOn(9, 0)).as("H100, H200").isFalse();
        assertThat(CudaBuild.runsOn(10, 0)).as("B200").isFalse();
        assertThat(CudaBuild.runsOn(12, 0)).as("RTX 50").isFalse();
    }

    @Test
    void theCpuBuildHasNoCudaBackendAndNothingToCheck() {
        assertThat(CudaBuild.packaged()).isFalse();
        assertThatCode(() -> CudaBuild.requireReady(OptionalInt.of(0))).doesNotThrowAnyException();
    }

    @Test
    void aLibraryThatDoesNotLoadIsNamedByWhatIsMissing() {
        String prefix = "/root/.javacpp/cache/sparklora-0.1.0-cluster-cuda.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: ";
        assertThat(CudaProbe.linkFailure(new UnsatisfiedLinkError(prefix + "libcuda.so.1: cannot open shared object file")))
                .isEqualTo(CudaUnavailableException.noDriver()).contains("no NVIDIA driver", "CPU cluster jar");
        assertThat(CudaProbe.linkFailure(new RuntimeException("wrapped",
                new UnsatisfiedLinkError(prefix + "libcudart.so.11.0: cannot open shared object file"))))
                .contains("the CUDA 11 libraries are missing (libcudart.so.11.0 not found)", "LD_LIBRARY_PATH");
        assertThat(CudaProbe.linkFailure(new UnsatisfiedLinkError("libjnicublas.so: libcublasLt.so.11: cannot open")))
                .contains("(libcublasLt.so.11 not found)");
        assertThat(CudaProbe.linkFailure(new UnsatisfiedLinkError("no jnicudart in java.library.path\nmore")))
                .startsWith(CudaUnavailableException.PREFIX).contains("UnsatisfiedLinkError").doesNotContain("\n");
    }

    @Test
    void eachFailureIsOneLineThatSaysWhatToDo() {
        assertThat(CudaUnavailableException.unsupportedGpu(0, "NVIDIA H200", 9, 0))
                .contains("GPU 0 (NVIDIA H200) has compute capability 9.0", "3.7, 5.0, 5.2, 6.0, 6.1, 7.0, 7.5, 8.0, 8.6");
        assertThat(CudaUnavailableException.driverTooOld(10020)).contains("supports CUDA 10.2", "450.80.02");
        assertThat(CudaUnavailableException.deviceNotVisible(3, 2, "0,1")).contains("GPU 3", "sees 2", "0,1");
        assertThat(java.util.List.of(CudaUnavailableException.noDriver(), CudaUnavailableException.noGpu("unset"),
                CudaUnavailableException.missingLibrary("libcublas.so.11"), CudaUnavailableException.driverTooOld(0),
                CudaUnavailableException.cudaError("cudaGetDeviceCount", "cudaErrorUnknown", "unknown error")))
                .allSatisfy(line -> assertThat(line).startsWith(CudaUnavailableException.PREFIX).doesNotContain("\n"));
        assertThat(new CudaUnavailableException("task 0 has no GPU").getMessage())
                .isEqualTo(CudaUnavailableException.PREFIX + "task 0 has no GPU");
    }
}
