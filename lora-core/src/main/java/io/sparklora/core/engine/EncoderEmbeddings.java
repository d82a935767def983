package io.sparklora.core.engine;

import io.sparklora.core.model.EncoderLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An encoder's input: LayerNorm(word[id] + position[pos] + token_type[type]) per token. Backward, only in full
 * fine-tuning, scatter-adds each token's gradient into the three tables' rows.
 */
final class EncoderEmbeddings implements EncoderInput {
    private static final String SLOT = "embeddings";
    private final Params params;
    private final String words;
    private final String positions;
    private final String types;
    private final LayerNorm norm;

    EncoderEmbeddings(EncoderLayout layout, Params params) {
        this.params = params;
        this.words = layout.wordEmbeddings();
        this.positions = layout.positionEmbeddings();
        this.types = layout.tokenTypeEmbeddings();
        this.norm = new LayerNorm(layout.embeddingNorm(), "LayerNorm", params, layout.config().normEps());
    }

    @Override
    public boolean trains() {
        return params.gradient(words) != null || params.gradient(norm.weightName()) != null;
    }

    @Override
    public void forward(SequenceBatch batch, int[] positionIds, INDArray out, Buffers buf) {
        int[] ids = batch.tokens();
        int[] typeIds = batch.tokenTypes();
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        long n = ids.length;
        long h = out.size(1);
        INDArray sum = buf.get("scratch.embed.sum", n, h);
        INDArray rows = buf.get("scratch.embed.rows", n, h);
        Nd4j.pullRows(params.value(words), sum, 1, ids);
        Nd4j.pullRows(params.value(positions), rows, 1, positionIds);
        sum.addi(rows);
        Nd4j.pullRows(params.value(types), rows, 1, typeIds);
        sum.addi(rows);
        StepProfiler.exit();
        norm.forward(sum, out, buf, SLOT);
    }

    @Override
    public void backward(SequenceBatch batch, int[] positionIds, INDArray dOut, Buffers buf) {
        int[] ids = batch.tokens();
        int[] typeIds = batch.tokenTypes();
        long n = ids.length;
        INDArray dSum = buf.get("scratch.embed.dsum", n, dOut.size(1));
        dSum.assign(0);
        norm.backwardAdd(dOut, dSum, buf, SLOT);
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        scatter(params, words, ids, dSum);
        scatter(params, positions, positionIds, dSum);
        scatter(params, types, typeIds, dSum);
        StepProfiler.exit();
    }

    /** Adds row i of d to row rowIds[i] of the table's gradient, when the table trains. */
    static void scatter(Params params, String table, int[] rowIds, INDArray d) {
        INDArray grad = params.gradient(table);
        if (grad != null) {
            scatterInto(grad, rowIds, d);
        }
    }

    /** target[rowIds[i]] += d[i], row by row, so repeated ids add up. */
    static void scatterInto(INDArray target, int[] rowIds, INDArray d) {
        for (int i = 0; i < rowIds.length; i++) {
            target.getRow(rowIds[i]).addi(d.getRow(i));
        }
    }
}
