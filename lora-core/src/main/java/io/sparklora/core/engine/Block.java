package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** One decoder layer: forward and backward of x → x + attention(norm(x)) → · + mlp(norm(·)). */
interface Block {
    /**
     * The slot of the first norm's statistics (x̂, rstd), and the name of its output: neither is kept for the
     * backward pass, which recomputes the norm from the layer's input (one pass over [N, H]; keeping both cost
     * 2·H floats per token and layer, a sixth of a LoRA step's saved activations).
     */
    String RECOMPUTED = "scratch.norm1";
    String NORM1_OUT = "scratch.norm1.out";

    /**
     * x: [N, H] → out: [N, H] for the window's rows and positions. Saves under {@code slot} what backward needs,
     * besides x itself, which backward is given again.
     *
     * @param dropoutSeed null: no adapter dropout
     */
    void forward(INDArray x, INDArray out, Window window, Buffers buf, String slot, Long dropoutSeed);

    /**
     * dOut: [N, H] → dx: [N, H] (overwritten), from what forward saved under {@code slot}; adds the trainable
     * parameters' gradients to their accumulators.
     *
     * @param dx null when nothing needs the input's gradient (the first layer, when the embeddings are frozen)
     */
    void backward(INDArray x, INDArray dOut, INDArray dx, int rows, Buffers buf, String slot, boolean dropoutOn);
}
