package io.sparklora.core.engine;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.LlamaLayout;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.BiFunction;

/** A LLaMA (Mistral, Qwen2) layer: RMSNorm, q/k/v, rotary grouped-query attention, o; RMSNorm, SwiGLU MLP. */
final class LlamaBlock implements Block {
    private final int hidden;
    private final int inner;
    private final ModelConfig c;
    private final RmsNorm norm1;
    private final RmsNorm norm2;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final Linear gate;
    private final Linear up;
    private final Linear down;
    private final CausalAttention attention;

    LlamaBlock(ModelConfig c, int layer, Params params, BiFunction<LinearModule, String, Linear> linear, Rotary rotary,
               Buffers constants) {
        String p = LlamaLayout.layer(layer);
        List<LinearModule> m = new LlamaLayout(c).layerModules(layer); // q, k, v, o, gate, up, down
        this.c = c;
        this.hidden = c.hiddenSize();
        this.inner = c.intermediateSize();
        this.norm1 = new RmsNorm(p + "input_layernorm.weight", "input_layernorm", params, c.normEps());
        this.norm2 = new RmsNorm(p + "post_attention_layernorm.weight", "post_attention_layernorm", params, c.normEps());
        this.q = linear.apply(m.get(0), "q_proj");
        this.k = linear.apply(m.get(1), "k_proj");
        this.v = linear.apply(m.get(2), "v_proj");
        this.o = linear.apply(m.get(3), "o_proj");
        this.gate = linear.apply(m.get(4), "gate_proj");
        this.up = linear.apply(m.get(5), "up_proj");
        this.down = linear.apply(m.get(6), "down_proj");
        this.attention = new CausalAttention(c.numHeads(), c.numKvHeads(), c.headDim(), c.slidingWindow(), rotary, constants);
    }

    /** [N, heads·D] as [B, T, heads, D], a view. */
    private INDArray heads(INDArray a, int rows, int heads) {
        return a.reshape(rows, a.size(0) / rows, heads, c.headDim());
    }

    @Override
    public void forward(INDArray x, INDArray out, Window window, Buffers buf, String slot, Long dropoutSeed) {
        int rows = window.rows();
        long n = x.size(0);
        // norm1's x̂ and output are not kept: backward recomputes them from the layer's input x, which it has
        INDArray a = buf.get(NORM1_OUT, n, hidden);
        norm1.forward(x, a, buf, RECOMPUTED);
        // the projections are needed only until attention has copied them per head: not kept for backward
        INDArray qo = buf.get("scratch.fwd.q", n, c.qDim());
        INDArray ko = buf.get("scratch.fwd.k", n, c.kvDim());
        INDArray vo = buf.get("scratch.fwd.v", n, c.kvDim());
        q.forward(a, qo, buf, slot, dropoutSeed);
        k.forward(a, ko, buf, slot, dropoutSeed);
        v.forward(a, vo, buf, slot, dropoutSeed);
        // attention's output: kept only for o's dA or dW (attention's backward does without it)
        INDArray att = buf.get(Linear.inputNameOr("grad.q", slot, "att", o), n, c.qDim());
        attention.forward(heads(qo, rows, c.numHeads()), heads(ko, rows, c.numKvHeads()), heads(vo, rows, c.numKvHeads()),
                att, window, buf, slot);
        INDArray mid = buf.get("scratch.fwd.mid", n, hidden); // x + attention; backward needs only its norm's x̂
        o.forward(att, mid, buf, slot, dropoutSeed);
        mid.addi(x);

        INDArray normed = buf.get(Linear.inputNameOr("grad.hidden", slot, "norm2.out", gate, up), n, hidden);
        norm2.forward(mid, normed, buf, slot);
        INDArray g = buf.get(slot + ".gate", n, inner);
        INDArray u = buf.get(slot + ".up", n, inner);
        gate.forward(normed, g, buf, slot, dropoutSeed);
        up.forward(normed, u, buf, slot, dropoutSeed);
        INDArray act = buf.get(Linear.inputNameOr("grad.inner", slot, "swiglu", down), n, inner);
        Activations.swigluForward(g, u, act, sigmoid(g, buf, slot));
        down.forward(act, out, buf, slot, dropoutSeed);
        out.addi(mid);
    }

    @Override
    public void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn) {
        long n = x.size(0);
        INDArray dAct = buf.get("grad.inner", n, inner);
        down.backward(buf.get(Linear.inputNameOr("grad.inner", slot, "swiglu", down), n, inner), dOut, dAct, false, buf, slot, dropoutOn);
        INDArray g = buf.get(slot + ".gate", n, inner);
        INDArray sig = sigmoid(g, buf, slot);
        // the kernels write dGate over dAct, each block after reading it; ND4J's passes need an array of their own
        INDArray dGate = sig == null ? dAct : buf.get("grad.inner2", n, inner);
        INDArray dUp = buf.get("grad.inner3", n, inner);
        Activations.swigluBackward(g, buf.get(slot + ".up", n, inner), sig, dAct, dGate, dUp);
        INDArray normed = buf.get(Linear.inputNameOr("grad.hidden", slot, "norm2.out", gate, up), n, hidden);
        INDArray dNormed = buf.get("grad.hidden", n, hidden);
        gate.backward(normed, dGate, dNormed, false, buf, slot, dropoutOn);
        up.backward(normed, dUp, dNormed, true, buf, slot, dropoutOn);
        INDArray dMid = buf.get("grad.mid", n, hidden);
        dMid.assign(dOut); // the residual path
        norm2.backwardAdd(dNormed, dMid, buf, slot);

        INDArray dAtt = buf.get("grad.q", n, c.qDim());
        INDArray att = buf.get(Linear.inputNameOr("grad.q", slot, "att", o), n, c.qDim());
        o.backward(att, dMid, dAtt, false, buf, slot, dropoutOn);
        INDArray dq = buf.get("grad.q2", n, c.qDim());
        INDArray dk = buf.get("grad.k", n, c.kvDim());
        INDArray dv = buf.get("grad.v", n, c.kvDim());
        attention.backward(o.needsInput() ? att : null, dAtt, heads(dq, rows, c.numHeads()), heads(dk, rows, c.numKvHeads()),
                heads(dv, rows, c.numKvHeads()), buf, slot);
        INDArray a = buf.get(NORM1_OUT, n, hidden);
        norm1.forward(x, a, buf, RECOMPUTED); // [N, H], and its x̂ and rstd for norm1.backwardAdd
        INDArray dA = dx == null ? null : buf.get("grad.hidden", n, hidden);
        q.backward(a, dq, dA, false, buf, slot, dropoutOn);
        k.backward(a, dk, dA, true, buf, slot, dropoutOn);
        v.backward(a, dv, dA, true, buf, slot, dropoutOn);
        if (dx != null) {
            dx.assign(dMid);
            norm1.backwardAdd(dA, dx, buf, RECOMPUTED);
        }
    }

    /** σ(gate) [N, I], kept for the backward pass on the ND4J path; null where the kernels recompute it. */
    private static INDArray sigmoid(INDArray gate, Buffers buf, String slot) {
        return Activations.keepsSigmoid(gate) ? buf.get(slot + ".gate.sigmoid", gate.shape()) : null;
    }
}
