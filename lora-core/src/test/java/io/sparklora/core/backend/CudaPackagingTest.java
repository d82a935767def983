package io.sparklora.core.backend;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The -Pcuda build (run only there, tag cuda-build; no GPU needed): the CUDA backend and its native libraries are on
 * the class path and the CPU backend is not, the kernel architectures CudaBuild states are the ones in the library,
 * and on a machine without an NVIDIA driver the start-up check gives its one line rather than ND4J's trace.
 */
@Tag("cuda-build")
class CudaPackagingTest {
    private static final String BINDINGS = "org/nd4j/linalg/jcublas/bindings/linux-x86_64/";

    @Test
    void theCudaBackendLoadsWithoutADriverAndTheCpuBackendIsAbsent() throws ClassNotFoundException {
        ClassLoader loader = getClass().getClassLoader();
        assertThat(CudaBuild.packaged()).isTrue();
        for (String name : new String[] {"org.nd4j.linalg.jcublas.JCublasBackend", "org.nd4j.linalg.jcublas.JCublasNDArray",
                "org.nd4j.linalg.jcublas.bindings.Nd4jCuda", "org.bytedeco.cuda.global.cudart"}) {
            assertThat(Class.forName(name, false, loader)).as(name).isNotNull(); // loaded, not initialised
        }
        for (String library : new String[] {BINDINGS + "libnd4jcuda.so", BINDINGS + "libjnind4jcuda.so",
                "org/bytedeco/cuda/linux-x86_64/libjnicudart.so", "org/bytedeco/cuda/linux-x86_64/libjnicublas.so"}) {
            assertThat(loader.getResource(library)).as(library).isNotNull();
        }
        assertThat(loader.getResource("org/nd4j/linalg/cpu/nativecpu/CpuBackend.class")).as("nd4j-native").isNull();
        assertThat(loader.getResource("org/bytedeco/openblas/linux-x86_64/")).as("OpenBLAS").isNull();
        assertThat(loader.getResource(CpuBuild.AVX512_LIBRARY)).as("the CPU build's oneDNN library").isNull();
    }

    @Test
    void theStatedArchitecturesAreTheOnesInTheLibrary() throws IOException {
        Map<Integer, int[]> found;
        try (InputStream so = getClass().getClassLoader().getResourceAsStream(BINDINGS + "libnd4jcuda.so")) {
            found = FatbinArchitectures.of(so);
        }
        assertThat(found.keySet()).containsExactlyElementsOf(Arrays.stream(CudaBuild.KERNEL_ARCHITECTURES).boxed().toList());
        assertThat(found.values()).as("machine code only, no PTX a newer GPU could compile")
                .allSatisfy(counts -> assertThat(counts[0]).isPositive())
                .allSatisfy(counts -> assertThat(counts[1]).isZero());
    }

    @Test
    void withoutADriverTheStartUpCheckSaysSoInOneLine() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")),
                "this machine has an NVIDIA driver");
        assertThatThrownBy(() -> CudaBuild.requireReady(OptionalInt.empty()))
                .isInstanceOf(CudaUnavailableException.class).hasMessage(CudaUnavailableException.noDriver());
        assertThatThrownBy(() -> CudaBuild.requireReady(OptionalInt.of(0)))
                .as("remembered").hasMessage(CudaUnavailableException.noDriver());
    }
}
