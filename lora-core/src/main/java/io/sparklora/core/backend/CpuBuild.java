package io.sparklora.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Chooses which of ND4J's x86-64 CPU builds JavaCPP loads. The oneDNN/AVX-512 build is packaged by default and ran
 * the LoRA step about 1.6x faster than the plain build on an AVX-512 machine (README, "ND4J CPU backend"), but
 * JavaCPP loads it only when the platform-extension property names it. This sets that property when the build is
 * on the class path, the CPU has AVX-512, and the user has not chosen: it must run before ND4J first loads.
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
        if (CpuBuild.class.getClassLoader().getResource(AVX512_LIBRARY) != null && cpuHasAvx512()) {
            System.setProperty(EXTENSION_PROPERTY, AVX512_EXTENSION);
        }
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
