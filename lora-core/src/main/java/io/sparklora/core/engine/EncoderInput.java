package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** An encoder's embedding layer: token ids (with positions, types, the mask) → the first layer's input [N, H]. */
interface EncoderInput {
    /** Whether any table or norm trains (full fine-tuning): only then does backward run. */
    boolean trains();

    /** batch's ids and positionIds: [N] → out: [N, H]. */
    void forward(SequenceBatch batch, int[] positionIds, INDArray out, Buffers buf);

    /** dOut: [N, H] → the tables' and the norm's gradients. */
    void backward(SequenceBatch batch, int[] positionIds, INDArray dOut, Buffers buf);
}
