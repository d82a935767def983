package io.sparklora.core.backend;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * What the CUDA cluster jar (built with -Pcuda) can run on, and the start-up check that says why it cannot. ND4J
 * 1.0.0-M2.1's {@code nd4j-cuda-11.6} ships libnd4jcuda.so with machine code (SASS) for the architectures in
 * {@link #KERNEL_ARCHITECTURES} and no PTX, so no kernel can be compiled for a newer GPU at run time: a GPU runs the
 * build when one of those architectures has its major version and a minor version not above its own (8.9 runs the
 * 8.6 code), and 9.0 (H100, H200) or newer runs nothing. CudaBuildArchitecturesTest reads the list from the library.
 */
public final class CudaBuild {
    /** Compute capabilities (major·10 + minor) libnd4jcuda.so of nd4j-cuda-11.6 1.0.0-M2.1 has machine code for. */
    static final int[] KERNEL_ARCHITECTURES = {37, 50, 52, 60, 61, 70, 75, 80, 86};
    /** A class only the CUDA backend has: it is on the class path exactly when the jar was built with -Pcuda. */
    static final String BACKEND_CLASS = "org/nd4j/linalg/jcublas/JCublasBackend.class";

    private static volatile String failure; // the first failure this JVM met: the GPU's state does not heal by itself
    private static volatile boolean ready;

    private CudaBuild() {
    }

    /** Whether this class path carries ND4J's CUDA backend (the -Pcuda build). */
    public static boolean packaged() {
        return CudaBuild.class.getClassLoader().getResource(BACKEND_CLASS) != null;
    }

    /** Whether a GPU of this compute capability runs the build's kernels. */
    public static boolean runsOn(int major, int minor) {
        return Arrays.stream(KERNEL_ARCHITECTURES).anyMatch(a -> a / 10 == major && a % 10 <= minor);
    }

    /** "3.7, 5.0, ..., 8.6" for messages. */
    static String architectures() {
        return Arrays.stream(KERNEL_ARCHITECTURES).mapToObj(a -> a / 10 + "." + a % 10).collect(Collectors.joining(", "));
    }

    /**
     * In the CUDA build, checks before ND4J loads that the driver, the CUDA 11 libraries and the GPU (the given device
     * ordinal, else every visible one) can run the backend, and throws {@link CudaUnavailableException} with the one
     * line that says which it is and the fix; ND4J itself would print a native stack trace and a
     * NoAvailableBackendException. Does nothing in the CPU build.
     */
    public static void requireReady(OptionalInt device) {
        if (!packaged()) {
            return;
        }
        if (failure == null && !ready) {
            synchronized (CudaBuild.class) {
                if (failure == null && !ready) {
                    failure = CudaProbe.driverFailure();
                    ready = failure == null;
                }
            }
        }
        if (failure != null) {
            throw new CudaUnavailableException(failure);
        }
        String deviceFailure = CudaProbe.deviceFailure(device);
        if (deviceFailure != null) {
            throw new CudaUnavailableException(deviceFailure);
        }
    }

    /**
     * Prints the visible GPUs and whether this build runs on them; exit status 0 when it does, else 1 with the
     * failure line on stderr (deploy/gpu/check.sh runs it from the CUDA cluster jar).
     */
    public static void main(String[] args) {
        if (!packaged()) {
            System.err.println("this is the CPU build: build the CUDA cluster jar with mvn -Pcuda -DskipTests package");
            System.exit(1);
        }
        try {
            requireReady(OptionalInt.empty());
            CudaProbe.describe().forEach(System.out::println);
        } catch (CudaUnavailableException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
