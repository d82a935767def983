package io.sparklora.core.engine;

import io.sparklora.core.model.Gpt2Layout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.function.BiFunction;

/** A GPT-2 layer: pre-LayerNorm, fused c_attn, causal attention, c_proj; LayerNorm, c_fc, GELU (tanh), c_proj. */
final class Gpt2Block implements Block {
    private final int hidden;
    private final int inner;
    private final int heads;
    private final int headDim;
    private final LayerNorm ln1;
    private final LayerNorm ln2;
    private final Linear cAttn;
    private final Linear attnProj;
    private final Linear fc;
    private final Linear mlpProj;
    private final CausalAttention attention;

    Gpt2Block(ModelConfig c, int layer, Params params, BiFunction<LinearModule, String, Linear> linear, Buffers constants) {
        String p = Gpt2Layout.layer(layer);
        List<LinearModule> m = new Gpt2Layout(c).layerModules(layer); // c_attn, attn.c_proj, c_fc, mlp.c_proj
        this.hidden = c.hiddenSize();
        this.inner = c.intermediateSize();
        this.heads = c.numHeads();
        this.headDim = c.headDim();
        this.ln1 = new LayerNorm(p + "ln_1", "ln_1", params, c.normEps());
        this.ln2 = new LayerNorm(p + "ln_2", "ln_2", params, c.normEps());
        this.cAttn = linear.apply(m.get(0), "attn.c_attn");
        this.attnProj = linear.apply(m.get(1), "attn.c_proj");
        this.fc = linear.apply(m.get(2), "mlp.c_fc");
        this.mlpProj = linear.apply(m.get(3), "mlp.c_proj");
        this.attention = new CausalAttention(heads, heads, headDim, 0, null, constants);
    }

    /** Part i (0 q, 1 k, 2 v) of the fused [N, 3H] projection as [B, T, H, D], a view. */
    private INDArray part(INDArray qkv, int rows, int i) {
        long t = qkv.size(0) / rows;
        return qkv.reshape(rows, t, 3, heads, headDim)
                .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Override
    public void forward(INDArray x, INDArray out, Window window, Buffers buf, String slot, Long dropoutSeed) {
        int rows = window.rows();
        long n = x.size(0);
        // ln_1's x̂ and output are not kept: backward recomputes them from the layer's input x, which it has
        INDArray a = buf.get(Block.NORM1_OUT, n, hidden);
        ln1.forward(x, a, buf, Block.RECOMPUTED);
        // [N, 3H]: q, k, v side by side, needed only until attention has copied them per head
        INDArray qkv = buf.get("scratch.fwd.qkv", n, 3L * hidden);
        cAttn.forward(a, qkv, buf, slot, dropoutSeed);
        // attention's output: kept only for c_proj's dA or dW (attention's backward does without it)
        INDArray att = buf.get(Linear.inputNameOr("grad.hidden", slot, "att", attnProj), n, hidden);
        attention.forward(part(qkv, rows, 0), part(qkv, rows, 1), part(qkv, rows, 2), att, window, buf, slot);
        INDArray mid = buf.get("scratch.fwd.mid", n, hidden); // x + attention; backward needs only its norm's x̂
        attnProj.forward(att, mid, buf, slot, dropoutSeed);
        mid.addi(x);

        INDArray normed = buf.get(Linear.inputNameOr("grad.hidden", slot, "ln_2.out", fc), n, hidden);
        ln2.forward(mid, normed, buf, slot);
        INDArray pre = buf.get(slot + ".fc", n, inner); // [N, I] before GELU
        fc.forward(normed, pre, buf, slot, dropoutSeed);
        INDArray act = buf.get(Linear.inputNameOr("grad.inner", slot, "gelu", mlpProj), n, inner);
        Activations.geluTanhForward(pre, act, sigmoid(pre, buf, slot));
        mlpProj.forward(act, out, buf, slot, dropoutSeed);
        out.addi(mid);
    }

    @Override
    public void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn) {
        long n = x.size(0);
        INDArray dAct = buf.get("grad.inner", n, inner);
        mlpProj.backward(buf.get(Linear.inputNameOr("grad.inner", slot, "gelu", mlpProj), n, inner), dOut, dAct, false, buf, slot, dropoutOn);
        INDArray pre = buf.get(slot + ".fc", n, inner);
        INDArray sig = sigmoid(pre, buf, slot);
        // the kernels write dPre over dAct, each block after reading it; ND4J's passes need an array of their own
        INDArray dPre = sig == null ? dAct : buf.get("grad.inner2", n, inner);
        Activations.geluTanhBackward(pre, sig, dAct, dPre, buf);
        INDArray dNormed = buf.get("grad.hidden", n, hidden);
        fc.backward(buf.get(Linear.inputNameOr("grad.hidden", slot, "ln_2.out", fc), n, hidden), dPre, dNormed, false, buf, slot, dropoutOn);
        INDArray dMid = buf.get("grad.mid", n, hidden);
        dMid.assign(dOut); // the residual path
        ln2.backwardAdd(dNormed, dMid, buf, slot);

        INDArray dAtt = buf.get("grad.hidden", n, hidden);
        INDArray att = buf.get(Linear.inputNameOr("grad.hidden", slot, "att", attnProj), n, hidden);
        attnProj.backward(att, dMid, dAtt, false, buf, slot, dropoutOn);
        INDArray dQkv = buf.get("grad.qkv", n, 3L * hidden);
        attention.backward(attnProj.needsInput() ? att : null, dAtt, part(dQkv, rows, 0), part(dQkv, rows, 1), part(dQkv, rows, 2), buf, slot);
        INDArray a = buf.get(Block.NORM1_OUT, n, hidden);
        ln1.forward(x, a, buf, Block.RECOMPUTED); // [N, H], and its x̂ and rstd for ln1.backwardAdd
        INDArray dA = dx == null ? null : buf.get("grad.hidden", n, hidden);
        cAttn.backward(a, dQkv, dA, false, buf, slot, dropoutOn);
        if (dx != null) {
            dx.assign(dMid);
            ln1.backwardAdd(dA, dx, buf, Block.RECOMPUTED);
        }
    }

    /** σ(2z) of GELU [N, I], kept for the backward pass on the ND4J path; null where the kernels recompute it. */
    private static INDArray sigmoid(INDArray pre, Buffers buf, String slot) {
        return Activations.keepsSigmoid(pre) ? buf.get(slot + ".gelu.sigmoid", pre.shape()) : null;
    }
}
