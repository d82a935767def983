package io.sparklora.core.engine;

import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DeBERTa's input: LayerNorm(word[id] (+ position[pos] with position_biased_input) (+ token_type[type] when the
 * model has types)) · mask, so padding tokens enter the first layer as zeros. Backward, only in full fine-tuning,
 * masks the gradient the same way and scatter-adds it into the tables' rows.
 */
final class DebertaEmbeddings implements EncoderInput {
    private static final String SLOT = "embeddings";
    private final Params params;
    private final String words;
    private final String positions; // null without position_biased_input
    private final String types; // null without token types
    private final LayerNorm norm;

    DebertaEmbeddings(DebertaLayout layout, Params params) {
        this.params = params;
        this.words = layout.wordEmbeddings();
        this.positions = layout.positionEmbeddings().orElse(null);
        this.types = layout.tokenTypeEmbeddings().orElse(null);
        this.norm = new LayerNorm(layout.embeddingNorm(), "LayerNorm", params, layout.config().normEps());
    }

    @Override
    public boolean trains() {
        return params.gradient(words) != null || params.gradient(norm.weightName()) != null;
    }

    /** The attention mask as a column [N] of 1 (token) and 0 (padding). */
    private INDArray mask(SequenceBatch batch, Buffers buf) {
        int[] m = batch.attentionMask();
        INDArray out = buf.get("embed.mask", m.length);
        INDArray host = Nd4j.createFromArray(m).castTo(out.dataType());
        out.assign(host);
        NativeArrays.close(host);
        return out;
    }

    @Override
    public void forward(SequenceBatch batch, int[] positionIds, INDArray out, Buffers buf) {
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        long n = batch.tokens().length;
        long h = out.size(1);
        INDArray sum = buf.get("scratch.embed.sum", n, h);
        INDArray rows = buf.get("scratch.embed.rows", n, h);
        Nd4j.pullRows(params.value(words), sum, 1, batch.tokens());
        if (positions != null) {
            Nd4j.pullRows(params.value(positions), rows, 1, positionIds);
            sum.addi(rows);
        }
        if (types != null) {
            Nd4j.pullRows(params.value(types), rows, 1, batch.tokenTypes());
            sum.addi(rows);
        }
        StepProfiler.exit();
        norm.forward(sum, out, buf, SLOT);
        out.muliColumnVector(mask(batch, buf));
    }

    @Override
    public void backward(SequenceBatch batch, int[] positionIds, INDArray dOut, Buffers buf) {
        long n = batch.tokens().length;
        long h = dOut.size(1);
        INDArray dNormed = buf.get("scratch.embed.dnormed", n, h);
        Ops.mulColumn(dOut, mask(batch, buf), dNormed);
        INDArray dSum = buf.get("scratch.embed.dsum", n, h);
        dSum.assign(0);
        norm.backwardAdd(dNormed, dSum, buf, SLOT);
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        EncoderEmbeddings.scatter(params, words, batch.tokens(), dSum);
        if (positions != null) {
            EncoderEmbeddings.scatter(params, positions, positionIds, dSum);
        }
        if (types != null) {
            EncoderEmbeddings.scatter(params, types, batch.tokenTypes(), dSum);
        }
        StepProfiler.exit();
    }
}
