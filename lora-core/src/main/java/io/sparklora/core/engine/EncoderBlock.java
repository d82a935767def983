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
    private final int inner;
    private final int heads;
    private final int headDim;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear attnOut;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNorm attnNorm;
    private final LayerNorm outNorm;
    private final CausalAttention attention;

    EncoderBlock(ModelConfig c, int layer, Params params, BiFunction<LinearModule, String, Linear> linear, Buffers constants) {
        EncoderLayout layout = new EncoderLayout(c);
        List<LinearModule> m = layout.layerModules(layer);
        this.hidden = c.hiddenSize();
        this.inner = c.intermediateSize();
        this.heads = c.numHeads();
        this.headDim = c.headDim();
        this.query = linear.apply(m.get(0), "query");
        this.key = linear.apply(m.get(1), "key");
        this.value = linear.apply(m.get(2), "value");
        this.attnOut = linear.apply(m.get(3), "attention.output.dense");
        this.intermediate = linear.apply(m.get(4), "intermediate.dense");
        this.output = linear.apply(m.get(5), "output.dense");
        this.attnNorm = new LayerNorm(layout.attentionNorm(layer), "attention.LayerNorm", params, c.normEps());
        this.outNorm = new LayerNorm(layout.outputNorm(layer), "output.LayerNorm", params, c.normEps());
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
        INDArray sum = buf.get("scratch.fwd.sum", n, hidden);
        attnOut.forward(att, sum, buf, slot, dropoutSeed);
        sum.addi(x);
        INDArray h = buf.get(Linear.inputName(slot, "h", intermediate), n, hidden);
        attnNorm.forward(sum, h, buf, slot);

        INDArray pre = buf.get(slot + ".intermediate", n, inner); // [N, I] before GELU
        intermediate.forward(h, pre, buf, slot, dropoutSeed);
        INDArray act = buf.get(Linear.inputName(slot, "gelu", output), n, inner);
        Activations.geluErfForward(pre, act, buf.get(slot + ".gelu.cdf", n, inner));
        output.forward(act, sum, buf, slot, dropoutSeed);
        sum.addi(h);
        outNorm.forward(sum, out, buf, slot);
    }

    @Override
    public void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn) {
        long n = x.size(0);
        INDArray dSum = buf.get("grad.sum", n, hidden); // d(output + h)
        dSum.assign(0);
        outNorm.backwardAdd(dOut, dSum, buf, slot);
        INDArray dAct = buf.get("grad.inner", n, inner);
        output.backward(buf.get(Linear.inputName(slot, "gelu", output), n, inner), dSum, dAct, false, buf, slot, dropoutOn);
        INDArray dPre = buf.get("grad.inner2", n, inner);
        Activations.geluErfBackward(buf.get(slot + ".intermediate", n, inner), buf.get(slot + ".gelu.cdf", n, inner), dAct, dPre);
        INDArray dH = buf.get("grad.h", n, hidden);
        intermediate.backward(buf.get(Linear.inputName(slot, "h", intermediate), n, hidden), dPre, dH, false, buf, slot, dropoutOn);
        dH.addi(dSum); // the residual path around the MLP

        INDArray dSum1 = buf.get("grad.sum", n, hidden); // d(attention output + x); dSum is no longer needed
        dSum1.assign(0);
        attnNorm.backwardAdd(dH, dSum1, buf, slot);
        INDArray dAtt = buf.get("grad.att", n, hidden);
        attnOut.backward(buf.get(slot + ".att", n, hidden), dSum1, dAtt, false, buf, slot, dropoutOn);
        INDArray dq = buf.get("grad.q", n, hidden);
        INDArray dk = buf.get("grad.k", n, hidden);
        INDArray dv = buf.get("grad.v", n, hidden);
        attention.backward(buf.get(slot + ".att", n, hidden), dAtt, perHead(dq, rows), perHead(dk, rows), perHead(dv, rows),
                buf, slot);
        query.backward(x, dq, dx, false, buf, slot, dropoutOn);
        key.backward(x, dk, dx, dx != null, buf, slot, dropoutOn);
        value.backward(x, dv, dx, dx != null, buf, slot, dropoutOn);
        if (dx != null) {
            dx.addi(dSum1); // the residual path around attention
        }
    }
}
