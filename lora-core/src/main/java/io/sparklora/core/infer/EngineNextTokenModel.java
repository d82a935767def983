package io.sparklora.core.infer;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Next-token logits from a causal-LM graph. The context is right-padded to the graph's fixed length; causal
 * attention makes the padding invisible to the last real position, whose logits are returned. Each call runs the
 * whole window (no key/value cache): simple and exact, adequate for evaluation-sized generation.
 */
public final class EngineNextTokenModel implements NextTokenModel {
    private static final int PAD = 0;
    private final CausalLm graph;

    public EngineNextTokenModel(CausalLm graph) {
        this.graph = graph;
    }

    /** The longest context the graph takes. */
    public int maxContext() {
        return graph.spec().seqLen();
    }

    @Override
    public float[] nextTokenLogits(int[] context) {
        int t = graph.spec().seqLen();
        if (context.length == 0 || context.length > t) {
            throw new IllegalArgumentException("context of " + context.length + " tokens; this model takes 1 to " + t);
        }
        int[] window = new int[t];
        java.util.Arrays.fill(window, PAD);
        System.arraycopy(context, 0, window, 0, context.length);
        INDArray logits = graph.logits(window); // [T, V]
        try {
            return Arrays2.toFloats(logits.getRow(context.length - 1));
        } finally {
            NativeArrays.close(logits); // one per generated token: see NativeArrays
        }
    }
}
