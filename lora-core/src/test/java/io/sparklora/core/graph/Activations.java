package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;

/** Activation functions written out in elementary ops, so their gradients are the ops' checked ones. */
final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /** GPT-2's gelu_new: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))). */
    static SDVariable geluTanh(GraphContext g, SDVariable x) {
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
        return x.mul(0.5).mul(g.sd.math.tanh(inner).add(1.0));
    }

    /** SiLU: x·sigmoid(x). */
    static SDVariable silu(GraphContext g, SDVariable x) {
        return x.mul(g.sd.nn.sigmoid(x));
    }
}
