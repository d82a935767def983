package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The MLP activations, forward and backward side by side. Each forward keeps its one transcendental result
 * (tanh, sigmoid) so the backward pass is multiplications and additions only. GPT-2's GELU and SwiGLU run as one
 * fused loop each ({@link VectorKernels}) where {@link Fused} allows, else as the ND4J operations below.
 */
final class Activations {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_K = 0.044715;

    private Activations() {
    }

    /**
     * GPT-2's gelu_new: y = 0.5·u·(1 + tanh(z)), z = c·(u + k·u³); u, y, s: [N, I]. Since 1 + tanh(z) = 2·σ(2z), this
     * is y = u·s with s = σ(2z): ND4J's sigmoid takes less than half the time of its tanh, and s is kept for the
     * backward pass, which then needs no transcendental function (ND4J's are the slowest element-wise ops).
     */
    static void geluTanhForward(INDArray u, INDArray y, INDArray s) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (Fused.on(u, y, s)) {
            VectorKernels.geluTanhForward(Fused.floats(u), Fused.floats(y), Fused.floats(s), (int) u.length());
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
     * 0.5·u·(1 + tanh(z)) with 1 + tanh(z) = 2s and 1 − tanh²(z) = 4s·(1 − s).
     */
    static void geluTanhBackward(INDArray u, INDArray s, INDArray dy, INDArray du, Buffers buf) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (Fused.on(u, s, dy, du)) {
            VectorKernels.geluTanhBackward(Fused.floats(u), Fused.floats(s), Fused.floats(dy), Fused.floats(du),
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

    /** SwiGLU: y = silu(gate)·up = gate·σ(gate)·up; all [N, I]. σ(gate) is kept for the backward pass. */
    static void swigluForward(INDArray gate, INDArray up, INDArray y, INDArray sig) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (Fused.on(gate, up, y, sig)) {
            VectorKernels.swigluForward(Fused.floats(gate), Fused.floats(up), Fused.floats(y), Fused.floats(sig),
                    (int) gate.length());
            StepProfiler.exit();
            return;
        }
        Ops.sigmoid(gate, sig);
        Nd4j.exec(new MulOp(gate, sig, y));
        y.muli(up);
        StepProfiler.exit();
    }

    /** dUp = dy·gate·σ; dGate = dy·up·σ·(1 + gate·(1 − σ)), from the forward pass's gate and σ(gate). */
    static void swigluBackward(INDArray gate, INDArray up, INDArray sig, INDArray dy, INDArray dGate, INDArray dUp) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        if (Fused.on(gate, up, sig, dy, dGate, dUp)) {
            VectorKernels.swigluBackward(Fused.floats(gate), Fused.floats(up), Fused.floats(sig), Fused.floats(dy),
                    Fused.floats(dGate), Fused.floats(dUp), (int) gate.length());
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
}
