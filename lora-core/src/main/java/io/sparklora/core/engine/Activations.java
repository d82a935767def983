package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The MLP activations, forward and backward side by side. Backward recomputes from the saved pre-activations
 * rather than saving the activation's intermediates.
 */
final class Activations {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_K = 0.044715;

    private Activations() {
    }

    /** t = tanh(c·(u + k·u³)) into {@code t}. */
    private static void geluTanhInner(INDArray u, INDArray t) {
        Nd4j.exec(new MulOp(u, u, t));
        t.muli(u).muli(GELU_K).addi(u).muli(GELU_C);
        Ops.tanh(t, t);
    }

    /** GPT-2's gelu_new: y = 0.5·u·(1 + tanh(c·(u + k·u³))); u, y: [N, I]. */
    static void geluTanhForward(INDArray u, INDArray y) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        geluTanhInner(u, y);
        y.addi(1.0).muli(u).muli(0.5);
        StepProfiler.exit();
    }

    /** du = dy·(0.5·(1 + t) + 0.5·c·u·(1 − t²)·(1 + 3k·u²)). */
    static void geluTanhBackward(INDArray u, INDArray dy, INDArray du, Buffers buf) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        INDArray t = buf.get("scratch.act.a", u.shape());
        INDArray s = buf.get("scratch.act.b", u.shape());
        geluTanhInner(u, t);
        Nd4j.exec(new MulOp(u, u, du));
        du.muli(3 * GELU_K).addi(1.0).muli(u).muli(0.5 * GELU_C); // 0.5·c·u·(1 + 3k·u²)
        Nd4j.exec(new MulOp(t, t, s));
        s.rsubi(1.0); // 1 − t²
        du.muli(s);
        t.addi(1.0).muli(0.5);
        du.addi(t).muli(dy);
        StepProfiler.exit();
    }

    /** SwiGLU: y = silu(gate)·up = gate·σ(gate)·up; all [N, I]. */
    static void swigluForward(INDArray gate, INDArray up, INDArray y) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        Nd4j.exec(new Swish(gate, y)); // ND4J's swish is silu, x·σ(x), checked exactly in ActivationsTest
        y.muli(up);
        StepProfiler.exit();
    }

    /** dUp = dy·silu(gate); dGate = dy·up·silu'(gate), silu'(g) = σ(g)·(1 + g·(1 − σ(g))). */
    static void swigluBackward(INDArray gate, INDArray up, INDArray dy, INDArray dGate, INDArray dUp) {
        StepProfiler.enter(StepProfiler.Part.ACTIVATION);
        Nd4j.exec(new Swish(gate, dUp));
        dUp.muli(dy);
        Nd4j.exec(new SwishDerivative(gate, dGate));
        dGate.muli(up).muli(dy);
        StepProfiler.exit();
    }
}
