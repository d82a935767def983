package io.sparklora.core.engine;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;

/**
 * BERT's masked-language-model head (transformers' BertOnlyMLMHead, saved under {@code cls.predictions.*}): each
 * masked position's hidden state → transform.dense → exact GELU → transform.LayerNorm → logits over the vocabulary
 * through the word embeddings (decoder.weight is tied to them) plus {@code cls.predictions.bias}, and the summed
 * cross-entropy of the original tokens ({@link TokenLoss}). Forward and backward side by side. It runs on the
 * masked positions only, gathered from the stream (the others have no target, so no gradient) and scattered back.
 */
final class MlmHead {
    static final String DENSE = "cls.predictions.transform.dense";
    static final String NORM = "cls.predictions.transform.LayerNorm";
    static final String BIAS = "cls.predictions.bias";
    private static final String SLOT = "mlm";

    private final Params params;
    private final String wordEmbeddings;
    private final Linear dense;
    private final LayerNorm norm;

    MlmHead(ModelConfig c, Params params, String wordEmbeddings) {
        this.params = params;
        this.wordEmbeddings = wordEmbeddings;
        this.dense = new Linear(denseModule(c), "transform.dense", params, null, -1, 0, 0);
        this.norm = new LayerNorm(NORM, "transform.LayerNorm", params, c.normEps());
    }

    private static LinearModule denseModule(ModelConfig c) {
        return new LinearModule(DENSE, c.hiddenSize(), c.hiddenSize(), true, false);
    }

    /** The head's own tensors (the decoder's weight is the word embeddings), in Hugging Face's names. */
    static LinkedHashMap<String, long[]> shapes(ModelConfig c) {
        int h = c.hiddenSize();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(DENSE + ".weight", new long[] {h, h});
        shapes.put(DENSE + ".bias", new long[] {h});
        shapes.put(NORM + ".weight", new long[] {h});
        shapes.put(NORM + ".bias", new long[] {h});
        shapes.put(BIAS, new long[] {c.vocabSize()});
        return shapes;
    }

    /**
     * hidden: [N, H]; positions: the masked rows of hidden; targets: their original token ids → the loss sum.
     *
     * @param dHidden null for the loss only; else receives d(loss)/d(hidden) [N, H] (overwritten: zero off the
     *                masked positions), and the head's and the word embeddings' gradients are added to
     */
    double apply(INDArray hidden, int[] positions, int[] targets, INDArray dHidden, Buffers buf) {
        int m = positions.length;
        long h = hidden.size(1);
        INDArray x = buf.get("mlm.x", m, h);
        Nd4j.pullRows(hidden, x, 1, positions);
        INDArray pre = buf.get("mlm.pre", m, h);
        dense.forward(x, pre, buf, SLOT, null);
        INDArray act = buf.get("mlm.act", m, h);
        INDArray cdf = buf.get("mlm.cdf", m, h);
        Activations.geluErfForward(pre, act, cdf);
        INDArray t = buf.get("mlm.t", m, h);
        norm.forward(act, t, buf, SLOT);
        INDArray dT = dHidden == null ? null : buf.get("mlm.dt", m, h);
        double loss = TokenLoss.apply(t, params.value(wordEmbeddings), params.value(BIAS), targets, dT,
                params.gradient(wordEmbeddings), params.gradient(BIAS), buf);
        if (dHidden == null) {
            return loss;
        }
        INDArray dAct = buf.get("mlm.dact", m, h);
        dAct.assign(0);
        norm.backwardAdd(dT, dAct, buf, SLOT);
        INDArray dPre = buf.get("mlm.dpre", m, h);
        Activations.geluErfBackward(pre, cdf, dAct, dPre);
        INDArray dX = buf.get("mlm.dx", m, h);
        dense.backward(x, dPre, dX, false, buf, SLOT, false);
        dHidden.assign(0);
        for (int i = 0; i < m; i++) {
            dHidden.getRow(positions[i]).addi(dX.getRow(i));
        }
        return loss;
    }
}
