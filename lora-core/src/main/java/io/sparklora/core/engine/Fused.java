package io.sparklora.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * Decides, per call, whether a pass runs as one of {@link VectorKernels}' fused loops (causal attention as
 * {@link CausalBlocks}' BLAS calls, a matrix product as {@link Blas}' direct sgemm) or as the ND4J operations it
 * replaces. The kernels run when this JVM has Java's
 * Vector API ({@code --add-modules jdk.incubator.vector}, which the launchers and the build pass), ND4J's backend is
 * the CPU, the arrays are float32 and C-order contiguous, and {@code -Dsparklora.engine.vectorKernels=false} has not
 * turned them off. Otherwise (the CUDA backend, float64
 * gradient checks, a JVM started without the module) the ND4J path runs: the same formulas, different last bits.
 * So every JVM of one job should agree, and the launchers start the driver and the executors alike.
 */
final class Fused {
    static final String PROPERTY = "sparklora.engine.vectorKernels";
    static final String MODULE = "jdk.incubator.vector";

    /** Calls of each kernel before the JIT has compiled all of them (fewer left the first step allocating). */
    private static final int WARM_UP_CALLS = 20_000;
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
            VectorKernels.warmUp(WARM_UP_CALLS);
            System.gc();
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false; // e.g. a Java release whose incubating API no longer has a method the kernels call
        }
    }
}
