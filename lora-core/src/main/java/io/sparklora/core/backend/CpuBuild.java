package io.sparklora.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Chooses which of ND4J's x86-64 CPU builds JavaCPP loads. The oneDNN/AVX-512 build is packaged by default and ran
 * the LoRA step about 1.6x faster than the plain build on an AVX-512 machine (README, "ND4J CPU backend"), but
 * JavaCPP picks a build by the platform-extension property. Unless the user has chosen, this sets that property:
 * to the oneDNN build when it is on the class path and the CPU has AVX-512, else to the plain build. It must run
 * before ND4J first loads.
 */
public final class CpuBuild {
    static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    static final String AVX512_EXTENSION = "-onednn-avx512";
    static final String AVX512_LIBRARY = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn-avx512/libjnind4jcpu.so";

    private CpuBuild() {
    }

    public static synchronized void select() {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            return; // the user's choice, e.g. -Dorg.bytedeco.javacpp.platform.extension= for the plain build
        }
        boolean avx512 = CpuBuild.class.getClassLoader().getResource(AVX512_LIBRARY) != null && cpuHasAvx512();
        // Set either way: left unset, JavaCPP loads the oneDNN/AVX-512 build whenever it is on the class path, and
        // on a CPU without AVX-512 that dies of SIGILL while the library loads.
        System.setProperty(EXTENSION_PROPERTY, avx512 ? AVX512_EXTENSION : "");
    }

    static boolean cpuHasAvx512() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return false;
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> l.contains(" avx512f") && l.contains(" avx512bw") && l.contains(" avx512vl")).orElse(false);
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }
}
