package io.sparklora.core.engine;

import io.sparklora.core.model.EncoderLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An encoder's input: LayerNorm(word[id] + position[pos] + token_type[type]) per token. Backward, only in full
 * fine-tuning, scatter-adds each token's gradient into the three tables' rows.
 */
final class EncoderEmbeddings {
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

    /** Whether any table or the norm trains (full fine-tuning): only then does backward run. */
    boolean trains() {
        return params.gradient(words) != null || params.gradient(norm.weightName()) != null;
    }

    /** ids, positionIds, typeIds: [N] → out: [N, H]. */
    void forward(int[] ids, int[] positionIds, int[] typeIds, INDArray out, Buffers buf) {
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

    /** dOut: [N, H] → the tables' and the norm's gradients. */
    void backward(int[] ids, int[] positionIds, int[] typeIds, INDArray dOut, Buffers buf) {
        long n = ids.length;
        INDArray dSum = buf.get("scratch.embed.dsum", n, dOut.size(1));
        dSum.assign(0);
        norm.backwardAdd(dOut, dSum, buf, SLOT);
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        scatter(words, ids, dSum);
        scatter(positions, positionIds, dSum);
        scatter(types, typeIds, dSum);
        StepProfiler.exit();
    }

    private void scatter(String table, int[] rowIds, INDArray d) {
        INDArray grad = params.gradient(table);
        if (grad != null) {
            for (int i = 0; i < rowIds.length; i++) {
                grad.getRow(rowIds[i]).addi(d.getRow(i)); // row by row, so repeated ids add up
            }
        }
    }
}
