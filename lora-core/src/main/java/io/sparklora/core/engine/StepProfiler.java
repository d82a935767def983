package io.sparklora.core.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where a step's time goes, by part of the model, split into matrix products (BLAS gemm, batched or not) and
 * everything else. Off unless {@link #start()} is called: each part then costs two clock reads. Profiles one thread's
 * engine at a time (the benchmark's), never a production run. Causal attention on the CPU ({@link CausalBlocks})
 * runs its products ({@link SmallGemm}, not BLAS) and the softmax between them head by head on several threads:
 * its gemm time includes that softmax and the copies of each head in and out.
 */
public final class StepProfiler {
    /** The parts of a step. */
    public enum Part { EMBEDDING, NORM, LINEAR, ATTENTION, ACTIVATION, LOSS, OTHER }

    private static volatile boolean on;
    private static final Map<Part, long[]> NANOS = new EnumMap<>(Part.class); // part → {all, gemm}
    private static Part current = Part.OTHER;
    private static long enteredAt;

    private StepProfiler() {
    }

    public static synchronized void start() {
        NANOS.clear();
        on = true;
    }

    /** Stops and returns part → {total nanos, of which gemm nanos}. */
    public static synchronized Map<Part, long[]> stop() {
        on = false;
        Map<Part, long[]> out = new EnumMap<>(Part.class);
        NANOS.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** Enters a part (parts do not nest); time outside every part counts as OTHER. */
    static void enter(Part part) {
        if (on) {
            current = part;
            enteredAt = System.nanoTime();
        }
    }

    static void exit() {
        if (on) {
            NANOS.computeIfAbsent(current, p -> new long[2])[0] += System.nanoTime() - enteredAt;
            current = Part.OTHER;
        }
    }

    static long gemmStart() {
        return on ? System.nanoTime() : 0;
    }

    static void gemmEnd(long token) {
        if (on) {
            NANOS.computeIfAbsent(current, p -> new long[2])[1] += System.nanoTime() - token;
        }
    }
}
