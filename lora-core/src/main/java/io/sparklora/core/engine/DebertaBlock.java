package io.sparklora.core.engine;

import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.BiFunction;

/**
 * One DeBERTa layer, post-LN as BERT's: h = LN₁(x + dense(attention(x))), out = LN₂(h + output(gelu(intermediate(h)))),
 * with disentangled attention. The relative embeddings go through this layer's own key_proj and query_proj
 * (share_att_key, LoRA included, as PEFT wraps the one module), so those two maps run twice: on the tokens and on the
 * position rows, each application saving under its own slot. Forward and backward side by side.
 */
final class DebertaBlock implements EncoderLayer {
    private final int hidden;
    private final int heads;
    private final int headDim;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final PostLnSublayers sublayers;
    private final DisentangledAttention attention;
    private final RelativePositions relative;

    DebertaBlock(ModelConfig c, int layer, Params params, BiFunction<LinearModule, String, Linear> linear,
                 RelativePositions relative) {
        DebertaLayout layout = new DebertaLayout(c);
        List<LinearModule> m = layout.layerModules(layer);
        this.hidden = c.hiddenSize();
        this.heads = c.numHeads();
        this.headDim = c.headDim();
        this.query = linear.apply(m.get(0), "query_proj");
        this.key = linear.apply(m.get(1), "key_proj");
        this.value = linear.apply(m.get(2), "value_proj");
        this.sublayers = new PostLnSublayers(c, m, layout.attentionNorm(layer), layout.outputNorm(layer), params, linear);
        this.relative = relative;
        this.attention = new DisentangledAttention(heads, headDim, relative.settings());
    }

    private INDArray perHead(INDArray a, int rows) {
        return a.reshape(rows, a.size(0) / rows, heads, headDim); // [B, T, H, D], a view
    }

    /** The slot of the position rows' projections, apart from the tokens' (their LoRA down projections differ). */
    private static String positionSlot(String slot) {
        return slot + ".pos";
    }

    @Override
    public void forward(INDArray x, INDArray out, Window window, Buffers buf, String slot, Long dropoutSeed) {
        int rows = window.rows();
        long n = x.size(0);
        INDArray q = buf.get("scratch.fwd.q", n, hidden);
        INDArray k = buf.get("scratch.fwd.k", n, hidden);
        INDArray v = buf.get("scratch.fwd.v", n, hidden);
        query.forward(x, q, buf, slot, dropoutSeed);
        key.forward(x, k, buf, slot, dropoutSeed);
        value.forward(x, v, buf, slot, dropoutSeed);
        INDArray posKey = null;
        INDArray posQuery = null;
        if (relative.settings().c2p()) {
            INDArray rows2 = relative.c2pRows(buf);
            posKey = buf.get("scratch.fwd.poskey", rows2.size(0), hidden);
            key.forward(rows2, posKey, buf, positionSlot(slot), dropoutSeed);
        }
        if (relative.settings().p2c()) {
            INDArray rows2 = relative.p2cRows(buf);
            posQuery = buf.get("scratch.fwd.posquery", rows2.size(0), hidden);
            query.forward(rows2, posQuery, buf, positionSlot(slot), dropoutSeed);
        }
        INDArray att = buf.get(slot + ".att", n, hidden);
        attention.forward(perHead(q, rows), perHead(k, rows), perHead(v, rows), posKey, posQuery, att, window, buf, slot);
        sublayers.forward(x, att, out, buf, slot, dropoutSeed);
    }

    @Override
    public void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn) {
        long n = x.size(0);
        INDArray att = buf.get(slot + ".att", n, hidden);
        INDArray dAtt = buf.get("grad.att", n, hidden);
        INDArray dResidual = sublayers.backward(att, dOut, dAtt, buf, slot, dropoutOn);
        INDArray dq = buf.get("grad.q", n, hidden);
        INDArray dk = buf.get("grad.k", n, hidden);
        INDArray dv = buf.get("grad.v", n, hidden);
        boolean c2p = relative.settings().c2p();
        boolean p2c = relative.settings().p2c();
        INDArray c2pRows = c2p ? relative.c2pRows(buf) : null;
        INDArray p2cRows = p2c ? relative.p2cRows(buf) : null;
        INDArray dPosKey = c2p ? buf.get("grad.poskey", c2pRows.size(0), hidden) : null;
        INDArray dPosQuery = p2c ? buf.get("grad.posquery", p2cRows.size(0), hidden) : null;
        attention.backward(att, dAtt, perHead(dq, rows), perHead(dk, rows), perHead(dv, rows),
                dPosKey, dPosQuery, buf, slot);
        query.backward(x, dq, dx, false, buf, slot, dropoutOn);
        key.backward(x, dk, dx, dx != null, buf, slot, dropoutOn);
        value.backward(x, dv, dx, dx != null, buf, slot, dropoutOn);
        if (c2p) { // the position rows' gradient, when the embeddings train; key_proj's own gradients always
            key.backward(c2pRows, dPosKey, relative.c2pGradient(buf), true, buf, positionSlot(slot), dropoutOn);
        }
        if (p2c) {
            query.backward(p2cRows, dPosQuery, relative.p2cGradient(buf), true, buf, positionSlot(slot), dropoutOn);
        }
        if (dx != null) {
            dx.addi(dResidual); // the residual path around attention
        }
    }
}
