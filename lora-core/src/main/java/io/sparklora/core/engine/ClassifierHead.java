package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The first token's hidden state → dense → tanh (or GELU) → dense → logits [B, L], forward and backward: BERT's
 * pooler and classifier, RoBERTa's classifier.dense and classifier.out_proj (the same computation under other
 * names), DeBERTa's ContextPooler (dense, pooler_hidden_act) and classifier.
 */
final class ClassifierHead {
    private static final String SLOT = "head";
    private final Linear dense;
    private final Linear out;
    private final boolean gelu;

    /** @param gelu the exact GELU after the dense map (DeBERTa's pooler_hidden_act gelu) rather than tanh */
    ClassifierHead(Linear dense, Linear out, boolean gelu) {
        this.dense = dense;
        this.out = out;
        this.gelu = gelu;
    }

    /** hidden: [B·T, H] → logits: [B, L]. */
    void forward(INDArray hidden, int rows, int seqLen, INDArray logits, Buffers buf, Long dropoutSeed) {
        long h = hidden.size(1);
        int[] first = new int[rows];
        for (int r = 0; r < rows; r++) {
            first[r] = r * seqLen;
        }
        INDArray cls = buf.get("head.cls", rows, h);
        Nd4j.pullRows(hidden, cls, 1, first);
        INDArray pre = buf.get("head.pre", rows, h);
        dense.forward(cls, pre, buf, SLOT, dropoutSeed);
        INDArray pooled = buf.get("head.pooled", rows, h);
        if (gelu) {
            Activations.geluErfForward(pre, pooled, buf.get("head.cdf", rows, h));
        } else {
            Ops.tanh(pre, pooled);
        }
        out.forward(pooled, logits, buf, SLOT, dropoutSeed);
    }

    /** dLogits: [B, L] → dHidden: [B·T, H] (overwritten: only each row's first token has a gradient). */
    void backward(INDArray dLogits, INDArray dHidden, int rows, int seqLen, Buffers buf, boolean dropoutOn) {
        long h = dHidden.size(1);
        INDArray pooled = buf.get("head.pooled", rows, h);
        INDArray dPooled = buf.get("head.dpooled", rows, h);
        out.backward(pooled, dLogits, dPooled, false, buf, SLOT, dropoutOn);
        INDArray dPre = buf.get("head.dpre", rows, h);
        if (gelu) {
            Activations.geluErfBackward(buf.get("head.pre", rows, h), buf.get("head.cdf", rows, h), dPooled, dPre);
        } else {
            dPre.assign(pooled).muli(pooled).rsubi(1.0).muli(dPooled); // tanh' = 1 − tanh²
        }
        INDArray dCls = buf.get("head.dcls", rows, h);
        dense.backward(buf.get("head.cls", rows, h), dPre, dCls, false, buf, SLOT, dropoutOn);
        dHidden.assign(0);
        for (int r = 0; r < rows; r++) {
            dHidden.getRow((long) r * seqLen).assign(dCls.getRow(r));
        }
    }
}
