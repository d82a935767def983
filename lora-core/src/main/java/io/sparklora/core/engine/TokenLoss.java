package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The summed token cross-entropy Σ_n (logsumexp(logits_n) − logits_n[target_n]) over positions with a target,
 * from integer targets, in row chunks so the [rows, V] logits of only one chunk exist at a time. A sum rather
 * than a mean, so micro-batches and workers add up and the driver divides once by the global token count.
 * Backward writes softmax − one-hot in place over the chunk's logits and multiplies it into dHidden (and, when
 * the head trains, into its gradient). The softmax part runs as one {@link SoftmaxKernels} loop per row where
 * {@link Fused} allows, else as ND4J operations.
 */
final class TokenLoss {
    /**
     * At most this many logit elements per chunk: 32M floats = 128 MB, whatever the vocabulary. Not smaller: each
     * chunk's two products pass over the whole [V, H] head, and BLAS repacks it every call, so GPT-2's head at
     * 4 x 256 tokens ran at about 100 GFLOP/s in chunks of 166 rows (8M floats) and about 130 in chunks of 512.
     */
    static final long CHUNK_ELEMENTS = 32L << 20;

    private TokenLoss() {
    }

    /** Rows per chunk: as few chunks as chunkElements logits each allow, of equal size but the last. */
    static int chunkRows(long rows, long vocab, long chunkElements) {
        long chunks = Math.max(1, (rows * vocab + chunkElements - 1) / chunkElements);
        return (int) Math.max(1, (rows + chunks - 1) / chunks);
    }

    /**
     * hidden: [N, H], head: [V, H] → the loss sum.
     *
     * @param dHidden null for the loss only; else receives d(loss)/d(hidden) [N, H]
     * @param dHead   the head's gradient accumulator, or null when it is frozen
     */
    static double apply(INDArray hidden, INDArray head, int[] targets, INDArray dHidden, INDArray dHead, Buffers buf) {
        return apply(hidden, head, null, targets, dHidden, dHead, null, buf, null, 1, CHUNK_ELEMENTS);
    }

    /** As {@link #apply(INDArray, INDArray, int[], INDArray, INDArray, Buffers)} with another chunk budget. */
    static double apply(INDArray hidden, INDArray head, int[] targets, INDArray dHidden, INDArray dHead, Buffers buf,
                        long chunkElements) {
        return apply(hidden, head, null, targets, dHidden, dHead, null, buf, null, 1, chunkElements);
    }

    /**
     * As {@link #apply(INDArray, INDArray, int[], INDArray, INDArray, Buffers)} with a bias added to the logits
     * (BERT's MLM decoder: hidden·headᵀ + bias).
     *
     * @param bias  [V]
     * @param dBias the bias's gradient accumulator, or null when it is frozen
     */
    static double apply(INDArray hidden, INDArray head, INDArray bias, int[] targets, INDArray dHidden, INDArray dHead,
                        INDArray dBias, Buffers buf) {
        return apply(hidden, head, bias, targets, dHidden, dHead, dBias, buf, null, 1, CHUNK_ELEMENTS);
    }

    /**
     * Forward only, each row's loss on its own: {@code rowSums[r]} receives the summed loss of positions
     * r·seqLen … (r+1)·seqLen − 1, added in position order from zero (as the loss of a one-row batch is).
     */
    static void rowSums(INDArray hidden, INDArray head, int[] targets, int seqLen, double[] rowSums, Buffers buf) {
        apply(hidden, head, null, targets, null, null, null, buf, rowSums, seqLen, CHUNK_ELEMENTS);
    }

    private static double apply(INDArray hidden, INDArray head, INDArray bias, int[] targets, INDArray dHidden,
                                INDArray dHead, INDArray dBias, Buffers buf, double[] rowSums, int seqLen,
                                long chunkElements) {
        StepProfiler.enter(StepProfiler.Part.LOSS);
        long n = hidden.size(0);
        long vocab = head.size(0);
        int chunk = chunkRows(n, vocab, chunkElements);
        double loss = 0;
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int rows = (int) Math.min(chunk, n - r0);
            INDArray h = hidden.get(NDArrayIndex.interval(r0, r0 + rows), NDArrayIndex.all()); // [C, H]
            INDArray logits = buf.get("loss.logits", rows, vocab); // [C, V]
            Ops.gemm(h, head, logits, false, true, 1.0, 0.0);
            if (bias != null) {
                logits.addiRowVector(bias);
            }
            double[] positionLoss = new double[rows];
            boolean gradient = dHidden != null;
            if (Fused.on(logits)) {
                SoftmaxKernels.crossEntropy(Fused.floats(logits), rows, (int) vocab, targets, r0, positionLoss, gradient);
            } else {
                crossEntropy(logits, targets, r0, positionLoss, gradient, buf);
            }
            for (int i = 0; i < rows; i++) {
                if (targets[r0 + i] != TokenBatch.IGNORE) {
                    loss += positionLoss[i];
                    if (rowSums != null) {
                        rowSums[(r0 + i) / seqLen] += positionLoss[i];
                    }
                }
            }
            if (!gradient) {
                continue;
            }
            INDArray dh = dHidden.get(NDArrayIndex.interval(r0, r0 + rows), NDArrayIndex.all()); // [C, H]
            Ops.gemm(logits, head, dh, false, false, 1.0, 0.0); // [C, V]·[V, H]
            if (dHead != null) {
                Ops.gemm(logits, h, dHead, true, false, 1.0, 1.0); // [V, C]·[C, H]
            }
            if (dBias != null) {
                Ops.addColumnSums(logits, dBias, buf.get("loss.colsum", vocab));
            }
        }
        StepProfiler.exit();
        return loss;
    }

    /**
     * logits [C, V] → positionLoss[i] = logsumexp(logits_i) − logits_i[target] (0 without a target); with
     * {@code gradient}, logits become softmax − one-hot (rows without a target all 0). The ND4J path of
     * {@link SoftmaxKernels#crossEntropy}.
     */
    private static void crossEntropy(INDArray logits, int[] targets, int r0, double[] positionLoss, boolean gradient,
                                     Buffers buf) {
        int rows = (int) logits.size(0);
        double[] targetLogits = new double[rows];
        for (int i = 0; i < rows; i++) {
            int target = targets[r0 + i];
            if (target != TokenBatch.IGNORE) {
                targetLogits[i] = logits.getDouble(i, target);
            }
        }
        // logsumexp = max + log Σ exp(x − max), keeping exp(x − max) as the softmax numerator. (ND4J's fused
        // reduce_logsumexp took 20x longer than these four passes.)
        INDArray max = buf.get("loss.max", rows); // [C]
        Ops.rowMax(logits, max);
        logits.subiColumnVector(max);
        Ops.expInPlace(logits);
        INDArray sum = buf.get("loss.sum", rows); // [C]
        Ops.rowSum(logits, sum);
        double[] maxValues = max.toDoubleVector();
        double[] sumValues = sum.toDoubleVector();
        for (int i = 0; i < rows; i++) {
            boolean hasTarget = targets[r0 + i] != TokenBatch.IGNORE;
            positionLoss[i] = hasTarget ? maxValues[i] + Math.log(sumValues[i]) - targetLogits[i] : 0;
        }
        if (!gradient) {
            return;
        }
        logits.diviColumnVector(sum); // softmax
        for (int i = 0; i < rows; i++) {
            int target = targets[r0 + i];
            if (target != TokenBatch.IGNORE) {
                logits.putScalar(i, target, logits.getDouble(i, target) - 1.0); // softmax − one-hot
            } else {
                logits.getRow(i).assign(0); // a position without a target contributes nothing
            }
        }
    }
}
