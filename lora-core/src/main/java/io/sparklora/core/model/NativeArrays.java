package io.sparklora.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Deterministic release of ND4J arrays. An INDArray's values live in native memory that ND4J frees only once the
 * Java object has been garbage-collected; the Java object itself is tiny, so the collector has no reason to run
 * while that memory piles up. Every training step creates placeholders, gradients and temporaries of several
 * hundred KB each: left to the collector, a long run's process RSS grew by GBs while its heap stayed flat
 * (README, "soak"). Per-step arrays are therefore closed as soon as their values have been read.
 */
public final class NativeArrays {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }
    private NativeArrays() {
    }

    /** Frees the array's native buffer now; a no-op for views, workspace-attached or already closed arrays. */
    public static void close(INDArray array) {
        if (array != null && array.closeable()) {
            array.close();
        }
    }

    public static void close(Collection<INDArray> arrays) {
        for (INDArray a : arrays) {
            close(a);
        }
    }
}
