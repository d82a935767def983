package io.sparklora.core.engine;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Shape and numerics of one engine instance.
 *
 * @param seqLen                  the row length of training and evaluation batches
 * @param withDropout             apply LoRA dropout in {@code forwardBackward} (training); never in evaluation
 * @param activationCheckpointing keep only each layer's input during the forward pass and recompute the layer
 *                                during the backward pass: activation memory of one layer instead of all
 */
public record EngineSpec(int seqLen, DataType dtype, TrainingMode mode, boolean withDropout, boolean activationCheckpointing) {
    public EngineSpec {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("sequence length must be > 0, got " + seqLen);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("engine dtype must be FLOAT or DOUBLE, got " + dtype);
        }
    }

    public static EngineSpec training(int seqLen, TrainingMode mode) {
        return new EngineSpec(seqLen, DataType.FLOAT, mode, true, false);
    }

    public static EngineSpec inference(int seqLen) {
        return new EngineSpec(seqLen, DataType.FLOAT, TrainingMode.LORA, false, false);
    }

    public EngineSpec withActivationCheckpointing(boolean on) {
        return new EngineSpec(seqLen, dtype, mode, withDropout, on);
    }
}
