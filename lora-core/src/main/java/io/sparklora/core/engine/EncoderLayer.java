package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** One encoder layer, forward and backward: BERT/RoBERTa's {@link EncoderBlock}, DeBERTa's {@link DebertaBlock}. */
interface EncoderLayer {
    /** x: [N, H] → out: [N, H]; saves under {@code slot} what backward needs (x itself is kept by the caller). */
    void forward(INDArray x, INDArray out, Window window, Buffers buf, String slot, Long dropoutSeed);

    /**
     * dOut: [N, H] → dx: [N, H] (overwritten; null when not needed), from what forward saved under {@code slot}
     * and the layer input x; adds the trainable parameters' gradients to their accumulators.
     */
    void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn);
}
