package io.sparklora.core.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static io.sparklora.core.engine.VectorMath.F;

/**
 * What the engine's fused kernels share ({@link ActivationKernels}, {@link NormKernels}, {@link SoftmaxKernels},
 * {@link HeadLayoutKernels}):
 * their per-thread rows, the self-check and the JIT warm-up. Each kernel is an element-wise or per-row pass fused
 * into one loop over memory in Java's Vector API, on float32 arrays in host memory. ND4J runs every operation as its
 * own pass (an RMSNorm backward is seven) and its exp, sigmoid and tanh are scalar; here a block of each operand is
 * copied into a heap array (the Vector API loads from arrays; the block stays in cache), computed 8 lanes at a time,
 * and copied back once.
 * <p>
 * Called only where {@link Fused#on} allows: the classes fail to load in a JVM started without {@code --add-modules
 * jdk.incubator.vector}. Rows are independent, so a row's result never depends on the others or on the thread.
 * Every kernel takes buffers that start at element 0 of a C-order array ({@link Fused#floats}) and the formulas of
 * the ND4J path it replaces; those are checked against finite differences, these against them
 * ({@code VectorKernelsTest}, {@code FusedStepTest}).
 * <p>
 * Each kernel writes out its own block or row loop (copy in, compute, copy back), so the kernels look alike. That is
 * deliberate: the JIT keeps vectors in registers only inside one compiled loop, and a shared loop calling the
 * computation through a lambda was compiled apart from its warm-up and boxed every lane-wise result in the first
 * step (280-650 MB of heap, measured). A change to these loops should be checked for heap allocation per step.
 */
final class VectorKernels {
    static final int L = F.length();
    /** Elements per block of an element-wise pass: 8 KB an operand, a multiple of every species' length. */
    static final int BLOCK = 2048;
    static final ThreadLocal<Rows> ROWS = ThreadLocal.withInitial(Rows::new);
    /**
     * Elements of one thread's share of an element-wise or per-row pass: 16 blocks, 128 KB an operand. A LLaMA
     * layer's [1024, 1376] SwiGLU is 43 units, so two threads stay busy to the end; a warm-up's few floats are one,
     * which runs on the caller.
     */
    static final int UNIT = 16 * BLOCK;

    private VectorKernels() {
    }

    /** Heap rows a thread reuses, each at least the requested length rounded up to whole vectors. */
    static final class Rows {
        private final float[][] rows = new float[5][0];

        float[] get(int which, int length) {
            int padded = (length + L - 1) / L * L;
            if (rows[which].length < padded) {
                rows[which] = new float[padded];
            }
            return rows[which];
        }
    }

    /** What a unit of a pass does with its range [from, to) of elements or rows. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * body over [0, n) in units of {@code unit}, spread over {@link EngineThreads}: each unit [u·unit, min(n,
     * (u + 1)·unit)) runs whole on one thread, so each element or row gets what one pass over all of them gives it.
     * body calls a kernel's own loop: the vector code stays in that loop (see the class comment on lambdas).
     */
    static void inUnits(int n, int unit, Range body) {
        EngineThreads.forEach((n + unit - 1) / unit, u -> body.run(u * unit, Math.min(n, (u + 1) * unit)));
    }

    /** Rows per unit of a per-row pass over rows of h elements: about {@link #UNIT} elements, at least one row. */
    static int rowsPerUnit(int h) {
        return Math.max(1, UNIT / Math.max(1, h));
    }

    /** exp and softmax on a few values against Math.exp: false where the API misbehaves rather than fail a step. */
    static boolean selfCheck() {
        float[] a = new float[2 * L];
        for (int j = 0; j < a.length; j++) {
            a[j] = j - 3.5f;
        }
        float[] e = a.clone();
        SoftmaxKernels.softmaxInPlace(e, a.length - 1);
        double sum = 0;
        for (int j = 0; j < a.length - 1; j++) {
            sum += Math.exp(a[j]);
        }
        for (int j = 0; j < a.length - 1; j++) {
            if (Math.abs(e[j] - Math.exp(a[j]) / sum) > 1e-6) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs every kernel on small native buffers until the JIT has compiled it. Until C2 compiles Vector API code,
     * each lane-wise operation allocates its result (about 0.5 GB in a first training step), which grows the Java
     * heap's young generation by hundreds of MB for good; run here on a few floats, the same compilation costs a
     * fraction of that, before the model's arrays exist.
     */
    static void warmUp(int calls) {
        // Two shapes, so that the compiled loops have taken both sides of the branches a step takes: odd sizes (a
        // partial vector, a partial block) and, one call in 16, whole ones (whole vectors, more than one block).
        // Compiled on odd sizes alone, the loops fell back to the interpreter on a step's first whole row.
        int[] n = {2 * L + 3, BLOCK + 2 * L}; // element-wise length, and the loss's vocabulary
        int[] h = {2 * L + 3, 2 * L}; // a norm's row
        int[] t = {L + 3, 2 * L}; // attention rows and keys
        int capacity = 3 * n[1];
        FloatBuffer[] a = new FloatBuffer[6];
        for (int i = 0; i < a.length; i++) {
            a[i] = java.nio.ByteBuffer.allocateDirect(4 * capacity).order(java.nio.ByteOrder.nativeOrder())
                    .asFloatBuffer();
            for (int j = 0; j < capacity; j++) {
                a[i].put(j, 0.25f * ((i + j) % 7) - 0.5f);
            }
        }
        int[] d = {2 * (L + 3), 4 * L}; // a head's row: half of it a partial or whole vectors
        HeadLayoutKernels.Strides[] heads = new HeadLayoutKernels.Strides[2];
        HeadLayoutKernels.Rotation[] rotations = new HeadLayoutKernels.Rotation[2];
        for (int s = 0; s < 2; s++) {
            heads[s] = new HeadLayoutKernels.Strides(1, 2, t[s], d[s], 2 * t[s] * d[s], 2 * d[s], d[s]);
            float[] angles = new float[t[s] * d[s] / 2];
            Arrays.fill(angles, 0.5f);
            rotations[s] = new HeadLayoutKernels.Rotation(angles, angles);
        }
        // attention's small products: rows of c (blocks of 4 and a row), its columns (panels, one vector, floats),
        // the sum's length; 4 blocks a call, so that C2 compiles the block before the warm-up ends (with one, it
        // came during the first step, which ran the block in C1, boxing every vector: 100+ MB of young generation)
        int[] gm = {9, 8};
        int[] gn = {2 * SmallGemm.PANEL + L + 3, 2 * SmallGemm.PANEL};
        int[] gk = {5, 16};
        float[] g = new float[100 * SmallGemm.PANEL]; // a and b from 0, c after them
        float[] heap = new float[t[1] * t[1]];
        float[] heapAgain = new float[t[1] * t[1]];
        int[] targets = {1, -1, 2, 0, 1}; // a batch's targets, a chunk of rows starting anywhere in them
        double[][] losses = {new double[1], new double[2], new double[3]};
        for (int c = 0; c < calls; c++) {
            int s = c % 16 == 15 ? 1 : 0; // the whole shape now and then: a branch taken once is compiled
            if (c % 16 == 7) {
                ROWS.remove(); // so the profile sees a thread's rows grow, as a step's longer rows make them do
            }
            ActivationKernels.geluTanhForward(a[0], a[1], n[s]);
            ActivationKernels.geluTanhBackward(a[0], a[3], a[4], n[s]);
            ActivationKernels.swigluForward(a[0], a[1], a[4], n[s]);
            ActivationKernels.swigluBackward(a[0], a[1], a[3], a[4], a[2], n[s]);
            NormKernels.layerNormForward(a[0], a[1], a[3], a[4], a[5], a[2], 2, h[s], 1e-5f);
            NormKernels.layerNormBackwardAdd(a[3], a[1], a[5], a[2], a[4], 2, h[s]);
            NormKernels.rmsNormForward(a[0], a[1], a[4], a[5], a[2], 2, h[s], 1e-5f);
            NormKernels.rmsNormBackwardAdd(a[3], a[1], a[5], a[2], a[4], 2, h[s]);
            // causal attention's softmax runs on its heap scratch (CausalBlocks), its rows whose last vector would
            // pass the row's end through heap FloatBuffers: a first heap FloatBuffer in a step would invalidate
            // every kernel compiled while the direct one was the only FloatBuffer loaded
            a[0].get(0, heap, 0, t[s] * t[s]);
            SoftmaxKernels.causalSoftmax(heap, t[s], t[s], c % 4 < 2 ? 0 : 3, c % 2 == 0 ? a[3] : null);
            if (c % 2 == 0) {
                a[0].get(0, heapAgain, 0, t[s] * t[s]);
                SoftmaxKernels.causalProbs(heapAgain, t[s], t[s], c % 4 < 2 ? 0 : 3, a[3]);
            }
            SoftmaxKernels.causalSoftmaxBackward(heap, g, c % 3 == 2 ? null : a[3], t[s], t[s]);
            a[4].put(0, a[0], 0, t[s] * t[s]);
            SoftmaxKernels.softmaxBackward(a[4], a[5], c % 3 == 2 ? null : a[3], t[s], t[s]); // the ND4J path's
            int cOffset = gk[s] * Math.max(gm[s], gn[s]);
            SmallGemm.gemm(c % 2 == 1, gm[s], gn[s], gk[s], 0.5f, g, 0, c % 2 == 1 ? gm[s] : gk[s], g, 0, gn[s],
                    c % 4 >= 2, g, cOffset, gn[s]);
            a[5].put(0, a[0], 0, 3 * n[s]);
            int chunkRows = 1 + c % 3;
            SoftmaxKernels.crossEntropy(a[5], chunkRows, n[s], targets, c % 5 % (6 - chunkRows), losses[chunkRows - 1],
                    c % 4 < 2);
            HeadLayoutKernels.toHeads(a[0], heads[s], a[1], c % 2, c % 3 == 0 ? null : rotations[s]);
            HeadLayoutKernels.fromHeads(a[1], a[2], heads[s], c % 2, c % 3 == 1 ? null : rotations[s]);
            HeadLayoutKernels.toHeadsWithDots(a[0], a[3], heads[s], a[4], a[5], c % 2);
        }
    }

    static float max(float[] a, int from, int padded) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = from; j < from + padded; j += L) {
            m = m.max(FloatVector.fromArray(F, a, j));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    static float sum(float[] a, int padded) {
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < padded; j += L) {
            s = s.add(FloatVector.fromArray(F, a, j));
        }
        return s.reduceLanes(VectorOperators.ADD);
    }
}
