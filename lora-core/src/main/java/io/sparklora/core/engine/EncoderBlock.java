package io.sparklora.core.engine;

import io.sparklora.core.model.EncoderLayout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.BiFunction;

/**
 * One BERT/RoBERTa layer, post-LN: h = LN₁(x + dense(attention(x))), out = LN₂(h + output(gelu(intermediate(h)))),
 * bidirectional attention over the row's unpadded keys. Forward and backward side by side.
 */
final class EncoderBlock implements EncoderLayer {
    private final int hidden;
    private final int heads;
    private final int headDim;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final PostLnSublayers sublayers;
    private final CausalAttention attention;

    EncoderBlock(ModelConfig c, int layer, Params params, BiFunction<LinearModule, String, Linear> linear, Buffers constants) {
        EncoderLayout layout = new EncoderLayout(c);
        List<LinearModule> m = layout.layerModules(layer);
        this.hidden = c.hiddenSize();
        this.heads = c.numHeads();
        this.headDim = c.headDim();
        this.query = linear.apply(m.get(0), "query");
        this.key = linear.apply(m.get(1), "key");
        this.value = linear.apply(m.get(2), "value");
        this.sublayers = new PostLnSublayers(c, m, layout.attentionNorm(layer), layout.outputNorm(layer), params, linear);
        this.attention = CausalAttention.bidirectional(heads, headDim, constants);
    }

    private INDArray perHead(INDArray a, int rows) {
        return a.reshape(rows, a.size(0) / rows, heads, headDim); // [B, T, H, D], a view
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
        INDArray att = buf.get(slot + ".att", n, hidden);
        attention.forward(perHead(q, rows), perHead(k, rows), perHead(v, rows), att, window, buf, slot);
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
        attention.backward(att, dAtt, perHead(dq, rows), perHead(dk, rows), perHead(dv, rows), buf, slot);
        query.backward(x, dq, dx, false, buf, slot, dropoutOn);
        key.backward(x, dk, dx, dx != null, buf, slot, dropoutOn);
        value.backward(x, dv, dx, dx != null, buf, slot, dropoutOn);
        if (dx != null) {
            dx.addi(dResidual); // the residual path around attention
        }
    }
}
