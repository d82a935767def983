package io.sparklora.core.engine;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.BiFunction;

/**
 * What follows the self-attention in a post-LN encoder layer, BERT's and DeBERTa's alike (transformers' SelfOutput,
 * Intermediate and Output): h = LN₁(x + dense(att)), out = LN₂(h + output(gelu(intermediate(h)))). Forward and
 * backward side by side; saves h, the intermediate pre-activation and its Φ.
 */
final class PostLnSublayers {
    private final int hidden;
    private final int inner;
    private final Linear attnOut;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNorm attnNorm;
    private final LayerNorm outNorm;

    /**
     * @param modules the layer's linear maps in layout order: [3] attention.output.dense, [4] intermediate.dense,
     *                [5] output.dense
     */
    PostLnSublayers(ModelConfig c, List<LinearModule> modules, String attentionNorm, String outputNorm, Params params,
                    BiFunction<LinearModule, String, Linear> linear) {
        this.hidden = c.hiddenSize();
        this.inner = c.intermediateSize();
        this.attnOut = linear.apply(modules.get(3), "attention.output.dense");
        this.intermediate = linear.apply(modules.get(4), "intermediate.dense");
        this.output = linear.apply(modules.get(5), "output.dense");
        this.attnNorm = new LayerNorm(attentionNorm, "attention.LayerNorm", params, c.normEps());
        this.outNorm = new LayerNorm(outputNorm, "output.LayerNorm", params, c.normEps());
    }

    /** x: the layer's input [N, H], att: the attention's output [N, H] → out [N, H]. */
    void forward(INDArray x, INDArray att, INDArray out, Buffers buf, String slot, Long dropoutSeed) {
        long n = x.size(0);
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

    /**
     * dOut [N, H] → dAtt [N, H] (overwritten), the gradient of the attention's output; returns d(x + dense(att))
     * [N, H], which the caller adds to its dx (the residual path around attention).
     */
    INDArray backward(INDArray att, INDArray dOut, INDArray dAtt, Buffers buf, String slot, boolean dropoutOn) {
        long n = dOut.size(0);
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
        attnOut.backward(att, dSum1, dAtt, false, buf, slot, dropoutOn);
        return dSum1;
    }
}
