package io.sparklora.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;

/**
 * Decides, per call, whether a pass runs as one of {@link VectorKernels}' fused loops (causal attention as
 * {@link CausalBlocks}' heads in {@link SmallGemm}, a matrix product as {@link Blas}' direct sgemm) or as the ND4J
 * operations it replaces. The kernels run when this JVM has Java's Vector API
 * ({@code --add-modules jdk.incubator.vector}, which the launchers and the build pass), ND4J's backend is the CPU, the
 * arrays are float32 and C-order contiguous, and {@code -Dsparklora.engine.vectorKernels=false} has not turned them
 * off. Otherwise (the CUDA backend, float64 gradient checks, a JVM started without the module) the ND4J path runs:
 * the same formulas, different last bits. So every JVM of one job should agree, and the launchers start the driver
 * and the executors alike.
 */
final class Fused {
    static final String PROPERTY = "sparklora.engine.vectorKernels";
    static final String MODULE = "jdk.incubator.vector";

    /** Calls of each kernel before the JIT has compiled all of them (fewer left the first step allocating). */
    private static final int WARM_UP_CALLS = 20_000;
    /**
     * The warm-up runs in slices with a full collection after each, which gives back the young generation its boxed
     * intermediate results grew. G1 doubles the young generation at each collection, up to 60% of the initial heap
     * (1/64 of the machine's memory): run in one piece, the warm-up touched 290 MB of heap on a 24 GB machine, and
     * that was a LoRA step's peak RSS (bench-small: 577 MiB two seconds into the run, 515-521 during the steps). The
     * first slices, which run before the JIT has compiled anything and allocate the most, are the smallest: ten
     * equal slices still let the first one touch 237 MB now and then (bench-small peaks of 513-531 MiB against 460).
     */
    private static final int WARM_UP_FIRST_SLICE = 250;
    private static final int WARM_UP_LARGEST_SLICE = 4_000;
    private static final long COMPILATION_WAIT_MS = 3_000;
    private static final boolean AVAILABLE = probe();
    private static volatile boolean enabled = AVAILABLE;

    private Fused() {
    }

    /** Whether this JVM can run the kernels (and does, unless a test turned them off). */
    static boolean available() {
        return AVAILABLE;
    }

    /** One line for logs and benchmark output: which path the engine's element-wise passes take. */
    static String describe() {
        if (AVAILABLE) {
            return "fused Vector API kernels (" + VectorMath.F.length() + " float lanes)";
        }
        return "ND4J element-wise ops (" + (ModuleLayer.boot().findModule(MODULE).isEmpty()
                ? "start the JVM with --add-modules " + MODULE + " for the fused kernels)" : "fused kernels off)");
    }

    /** Whether the kernels (and {@link Blas}' direct products) are on in this JVM now. */
    static boolean enabled() {
        return enabled;
    }

    /** Turns the kernels off or back on, for tests that compare the two paths; returns the previous setting. */
    static boolean setEnabled(boolean on) {
        boolean before = enabled;
        enabled = on && AVAILABLE;
        return before;
    }

    /** Whether the kernels can take these arrays. */
    static boolean on(INDArray... arrays) {
        if (!enabled) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1
                    || a.length() > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** The array's elements in order, from its first: a view of its native memory, no copy. */
    static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /**
     * Waits until the JIT has compiled what the warm-up queued: its total compilation time unchanged for 200 ms,
     * at most {@value #COMPILATION_WAIT_MS} ms. C2 compiles in the background; a kernel first called with a long loop
     * before its code is installed runs that loop in the tiers that box every lane-wise result (the first bench-small
     * step allocated 57-82 MB on the heap, nearly all of it in the loss kernel, whose C2 code came 0.1 s late).
     */
    private static void awaitCompilation() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + COMPILATION_WAIT_MS * 1_000_000L;
        long last = jit.getTotalCompilationTime();
        for (int quiet = 0; quiet < 4 && System.nanoTime() < deadline; ) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    private static boolean probe() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))
                || ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return false;
        }
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
        try {
            if (!Nd4j.getEnvironment().isCPU() || !VectorKernels.selfCheck()) {
                return false;
            }
            // Compile the kernels now, on a few floats (about a second), rather than in the first step, and give
            // back the young generation their boxed intermediate results grew (VectorKernels.warmUp says why).
            for (int done = 0, slice = WARM_UP_FIRST_SLICE; done < WARM_UP_CALLS;
                 done += slice, slice = Math.min(2 * slice, WARM_UP_LARGEST_SLICE)) {
                VectorKernels.warmUp(Math.min(slice, WARM_UP_CALLS - done));
                System.gc();
            }
            awaitCompilation();
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false; // e.g. a Java release whose incubating API no longer has a method the kernels call
        }
    }
}
