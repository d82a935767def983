package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The MLP activations, forward and backward side by side. GPT-2's GELU and SwiGLU run as one fused loop each
 * ({@link ActivationKernels}) where {@link Fused} allows: those keep nothing but the activation's input and recompute
 * their σ in the backward pass. Else the ND4J operations below run, and the forward keeps its one transcendental
 * result (ND4J's are its slowest element-wise ops) so the backward pass is multiplications and additions only:
 * {@link #keepsSigmoid} says which, and a block keeps the σ array only when asked.
 */
final class Activations {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_K = 0.044715;

    private Activations() {
    }

    /**
     * Whether the forward pass on this input keeps σ [N, I] for the backward pass (the ND4J path) or passes null and
     * lets the backward recompute it (the kernels). The same array gives the same answer in both passes.
     */
    static boolean keepsSigmoid(INDArray input) {
        return !Fused.on(input);
    }

    /**
     * GPT-2's gelu_new: y = 0.5·u·(1 + tanh(z)), z = c·(u + k·u³); u, y, s: [N, I]. Since 1 + tanh(z) = 2·σ(2z), this
     * is y = u·s with s = σ(2z): ND4J's sigmoid takes less than half the time of its tanh, and s is kept for the
     * backward pass, which then needs no transcendental function. s is null where {@link #keepsSigmoid} is false.
     */
    static void geluTanhForward(INDArray u, INDArray y, INDArray s) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (s == null) {
            ActivationKernels.geluTanhForward(Fused.floats(fused(u)), Fused.floats(fused(y)), (int) u.length());
            StepProfiler.exit();
            return;
        }
        Nd4j.exec(new MulOp(u, u, s));
        s.muli(u).muli(GELU_K).addi(u).muli(2 * GELU_C); // 2z
        Ops.sigmoid(s, s);
        Nd4j.exec(new MulOp(u, s, y));
        StepProfiler.exit();
    }

    /**
     * du = dy·(s + 2c·u·s·(1 − s)·(1 + 3k·u²)), from the forward pass's u and s = σ(2z): the derivative of
     * 0.5·u·(1 + tanh(z)) with 1 + tanh(z) = 2s and 1 − tanh²(z) = 4s·(1 − s). s null: the kernel recomputes it.
     */
    static void geluTanhBackward(INDArray u, INDArray s, INDArray dy, INDArray du, Buffers buf) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (s == null) {
            ActivationKernels.geluTanhBackward(Fused.floats(fused(u)), Fused.floats(fused(dy)), Fused.floats(fused(du)),
                    (int) u.length());
            StepProfiler.exit();
            return;
        }
        INDArray a = buf.get("scratch.act.a", u.shape());
        Nd4j.exec(new MulOp(u, u, du));
        du.muli(3 * GELU_K).addi(1.0).muli(u).muli(2 * GELU_C); // 2c·u·(1 + 3k·u²)
        Nd4j.exec(new MulOp(s, s, a));
        Nd4j.exec(new SubOp(s, a, a)); // s·(1 − s) = s − s²
        du.muli(a).addi(s).muli(dy);
        StepProfiler.exit();
    }

    /**
     * The exact GELU of BERT and RoBERTa (Hugging Face's "gelu"): y = u·Φ(u), Φ(u) = 0.5·(1 + erf(u/√2)); u, y, cdf:
     * [N, I]. Φ is kept for the backward pass.
     */
    static void geluErfForward(INDArray u, INDArray y, INDArray cdf) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        cdf.assign(u).muli(1.0 / Math.sqrt(2.0));
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Erf(cdf, cdf));
        cdf.addi(1.0).muli(0.5);
        Nd4j.exec(new MulOp(u, cdf, y));
        StepProfiler.exit();
    }

    /** du = dy·(Φ(u) + u·φ(u)), φ(u) = exp(−u²/2)/√(2π), from the forward pass's u and Φ(u). */
    static void geluErfBackward(INDArray u, INDArray cdf, INDArray dy, INDArray du) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        Nd4j.exec(new MulOp(u, u, du));
        du.muli(-0.5);
        Ops.expInPlace(du);
        du.muli(u).muli(1.0 / Math.sqrt(2 * Math.PI)); // u·φ(u)
        du.addi(cdf).muli(dy);
        StepProfiler.exit();
    }

    /**
     * SwiGLU: y = silu(gate)·up = gate·σ(gate)·up; all [N, I]. σ(gate) is kept in sig for the backward pass, or sig
     * is null where {@link #keepsSigmoid} is false.
     */
    static void swigluForward(INDArray gate, INDArray up, INDArray y, INDArray sig) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (sig == null) {
            ActivationKernels.swigluForward(Fused.floats(fused(gate)), Fused.floats(fused(up)), Fused.floats(fused(y)),
                    (int) gate.length());
            StepProfiler.exit();
            return;
        }
        Ops.sigmoid(gate, sig);
        Nd4j.exec(new MulOp(gate, sig, y));
        y.muli(up);
        StepProfiler.exit();
    }

    /**
     * dUp = dy·gate·σ; dGate = dy·up·σ·(1 + gate·(1 − σ)), from the forward pass's gate and σ(gate) (sig null: the
     * kernel recomputes it).
     */
    static void swigluBackward(INDArray gate, INDArray up, INDArray sig, INDArray dy, INDArray dGate, INDArray dUp) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (sig == null) {
            ActivationKernels.swigluBackward(Fused.floats(fused(gate)), Fused.floats(fused(up)), Fused.floats(fused(dy)),
                    Fused.floats(fused(dGate)), Fused.floats(fused(dUp)), (int) gate.length());
            StepProfiler.exit();
            return;
        }
        Nd4j.exec(new MulOp(gate, sig, dUp));
        dUp.muli(dy); // dy·silu(gate)
        Nd4j.exec(new MulOp(gate, sig, dGate)); // gate·σ
        dGate.rsubi(gate).addi(1.0).muli(sig); // (1 + gate − gate·σ)·σ = σ·(1 + gate·(1 − σ))
        dGate.muli(up).muli(dy);
        StepProfiler.exit();
    }

    /** An array the kernels take; else the forward pass should have kept σ ({@link #keepsSigmoid}). */
    private static INDArray fused(INDArray a) {
        if (!Fused.on(a)) {
            throw new IllegalStateException("the activation kept no σ, but the kernels cannot take a "
                    + a.dataType() + " '" + a.ordering() + "' array: keepsSigmoid must decide on the same arrays");
        }
        return a;
    }
}
