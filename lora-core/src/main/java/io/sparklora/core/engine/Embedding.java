package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Token (and GPT-2's learned position) embeddings: a row lookup forward; backward, only when the tables train,
 * a scatter-add of each position's gradient into its token's row, written out row by row so repeated ids add up.
 */
final class Embedding {
    private final Params params;
    private final String tokens;
    private final String positions; // null when positions are rotary

    Embedding(Params params, String tokens, String positions) {
        this.params = params;
        this.tokens = tokens;
        this.positions = positions;
    }

    /** ids: [B·T] → x: [N, H]; positions start … start+T−1. */
    void forward(int[] ids, int rows, int start, INDArray x) {
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        Nd4j.pullRows(params.value(tokens), x, 1, ids);
        if (positions != null) {
            long t = ids.length / rows;
            long h = x.size(1);
            INDArray table = params.value(positions).get(NDArrayIndex.interval(start, start + t), NDArrayIndex.all());
            x.reshape(rows, t * h).addiRowVector(table.reshape(t * h)); // [B, T·H] + [T·H]
        }
        StepProfiler.exit();
    }

    /** dx: [N, H] → the tables' gradients, when they train. */
    void backward(int[] ids, int rows, INDArray dx, Buffers buf) {
        StepProfiler.enter(StepProfiler.Part.EMBEDDING);
        INDArray dTokens = params.gradient(tokens);
        if (dTokens != null) {
            for (int i = 0; i < ids.length; i++) {
                dTokens.getRow(ids[i]).addi(dx.getRow(i));
            }
        }
        INDArray dPositions = positions == null ? null : params.gradient(positions);
        if (dPositions != null) {
            long t = ids.length / rows;
            long h = dx.size(1);
            INDArray sums = buf.get("scratch.embed.pos", t * h);
            Ops.addColumnSums(dx.reshape(rows, t * h), dPositions.get(NDArrayIndex.interval(0, t), NDArrayIndex.all())
                    .reshape(t * h), sums);
        }
        StepProfiler.exit();
    }
}
