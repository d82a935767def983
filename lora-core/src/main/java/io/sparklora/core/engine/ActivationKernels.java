package io.sparklora.core.engine;

import io.sparklora.core.engine.VectorKernels.Rows;
import jdk.incubator.vector.FloatVector;

import java.nio.FloatBuffer;

import static io.sparklora.core.engine.VectorKernels.BLOCK;
import static io.sparklora.core.engine.VectorKernels.L;
import static io.sparklora.core.engine.VectorKernels.ROWS;
import static io.sparklora.core.engine.VectorKernels.UNIT;
import static io.sparklora.core.engine.VectorKernels.inUnits;
import static io.sparklora.core.engine.VectorMath.F;

/**
 * GPT-2's GELU and SwiGLU, forward and backward side by side, each one pass over memory in Java's Vector API
 * ({@link VectorKernels} says how and when they run; {@link Activations} has the ND4J path). They keep nothing for
 * the backward pass but the activation's input: each backward recomputes its σ, a few lane-wise operations where a
 * saved [N, I] array would cost a fifth of a LLaMA layer's saved activations. Each pass runs in units of
 * {@link VectorKernels#UNIT} elements on the engine's threads; an element's result is the same on any of them.
 */
final class ActivationKernels {
    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_K = 0.044715f;

    private ActivationKernels() {
    }

    /** GPT-2's gelu_new as y = u·σ(2z), 2z = 2c·(u + k·u³); u, y: n elements. */
    static void geluTanhForward(FloatBuffer u, FloatBuffer y, int n) {
        inUnits(n, UNIT, (from, to) -> geluTanhForward(u, y, from, to));
    }

    private static void geluTanhForward(FloatBuffer u, FloatBuffer y, int from, int to) {
        Rows rows = ROWS.get();
        float[] ua = rows.get(0, BLOCK);
        for (int k = from; k < to; k += BLOCK) {
            int len = Math.min(BLOCK, to - k);
            u.get(k, ua, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector uv = FloatVector.fromArray(F, ua, j);
                uv.mul(geluSigmoid(uv)).intoArray(ua, j);
            }
            y.put(k, ua, 0, len);
        }
    }

    /** du = dy·(s + 2c·u·s·(1 − s)·(1 + 3k·u²)), s = σ(2z) recomputed from the forward pass's u. */
    static void geluTanhBackward(FloatBuffer u, FloatBuffer dy, FloatBuffer du, int n) {
        inUnits(n, UNIT, (from, to) -> geluTanhBackward(u, dy, du, from, to));
    }

    private static void geluTanhBackward(FloatBuffer u, FloatBuffer dy, FloatBuffer du, int from, int to) {
        Rows rows = ROWS.get();
        float[] ua = rows.get(0, BLOCK);
        float[] ga = rows.get(1, BLOCK);
        for (int k = from; k < to; k += BLOCK) {
            int len = Math.min(BLOCK, to - k);
            u.get(k, ua, 0, len);
            dy.get(k, ga, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector uv = FloatVector.fromArray(F, ua, j);
                FloatVector sv = geluSigmoid(uv);
                FloatVector slope = uv.mul(uv).mul(3 * GELU_K).add(1f).mul(uv).mul(2 * GELU_C); // 2c·u·(1 + 3k·u²)
                FloatVector local = slope.mul(sv.sub(sv.mul(sv))).add(sv);
                local.mul(FloatVector.fromArray(F, ga, j)).intoArray(ga, j);
            }
            du.put(k, ga, 0, len);
        }
    }

    /** s = σ(2z), 2z = 2c·(u + k·u³): 1 + tanh(z) = 2s, so gelu_new(u) = u·s. */
    private static FloatVector geluSigmoid(FloatVector u) {
        return VectorMath.sigmoid(u.mul(u).mul(2 * GELU_C * GELU_K).add(2 * GELU_C).mul(u));
    }

    /** SwiGLU: y = gate·σ(gate)·up; n elements each. */
    static void swigluForward(FloatBuffer gate, FloatBuffer up, FloatBuffer y, int n) {
        inUnits(n, UNIT, (from, to) -> swigluForward(gate, up, y, from, to));
    }

    private static void swigluForward(FloatBuffer gate, FloatBuffer up, FloatBuffer y, int from, int to) {
        Rows rows = ROWS.get();
        float[] ga = rows.get(0, BLOCK);
        float[] ua = rows.get(1, BLOCK);
        for (int k = from; k < to; k += BLOCK) {
            int len = Math.min(BLOCK, to - k);
            gate.get(k, ga, 0, len);
            up.get(k, ua, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector g = FloatVector.fromArray(F, ga, j);
                g.mul(VectorMath.sigmoid(g)).mul(FloatVector.fromArray(F, ua, j)).intoArray(ua, j);
            }
            y.put(k, ua, 0, len);
        }
    }

    /**
     * dUp = dy·gate·σ; dGate = dy·up·σ·(1 + gate·(1 − σ)), σ = σ(gate) recomputed from the forward pass's gate.
     */
    static void swigluBackward(FloatBuffer gate, FloatBuffer up, FloatBuffer dy, FloatBuffer dGate, FloatBuffer dUp,
                               int n) {
        inUnits(n, UNIT, (from, to) -> swigluBackward(gate, up, dy, dGate, dUp, from, to));
    }

    private static void swigluBackward(FloatBuffer gate, FloatBuffer up, FloatBuffer dy, FloatBuffer dGate,
                                       FloatBuffer dUp, int from, int to) {
        Rows rows = ROWS.get();
        float[] ga = rows.get(0, BLOCK);
        float[] ua = rows.get(1, BLOCK);
        float[] da = rows.get(2, BLOCK);
        for (int k = from; k < to; k += BLOCK) {
            int len = Math.min(BLOCK, to - k);
            gate.get(k, ga, 0, len);
            up.get(k, ua, 0, len);
            dy.get(k, da, 0, len);
            for (int j = 0; j < len; j += L) {
                FloatVector g = FloatVector.fromArray(F, ga, j);
                FloatVector sv = VectorMath.sigmoid(g);
                FloatVector d = FloatVector.fromArray(F, da, j);
                FloatVector u = FloatVector.fromArray(F, ua, j);
                FloatVector gs = g.mul(sv);
                gs.mul(d).intoArray(ga, j); // dUp, written over gate's block
                g.sub(gs).add(1f).mul(sv).mul(u).mul(d).intoArray(da, j); // dGate
            }
            dUp.put(k, ga, 0, len);
            dGate.put(k, da, 0, len);
        }
    }
}
