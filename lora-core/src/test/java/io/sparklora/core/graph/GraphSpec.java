package io.sparklora.core.graph;

import io.sparklora.core.engine.TrainingMode;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Shape and numerics of one graph instance. The batch dimension is free; the sequence length is fixed because
 * attention reshapes need it.
 *
 * @param withDropout feed LoRA dropout masks (training); without, the adapter sees its input unchanged (inference)
 */
public record GraphSpec(int seqLen, DataType dtype, TrainingMode mode, boolean withDropout) {
    public GraphSpec {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("sequence length must be > 0, got " + seqLen);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("graph dtype must be FLOAT or DOUBLE, got " + dtype);
        }
    }

    public static GraphSpec training(int seqLen, TrainingMode mode) {
        return new GraphSpec(seqLen, DataType.FLOAT, mode, true);
    }

    public static GraphSpec inference(int seqLen) {
        return new GraphSpec(seqLen, DataType.FLOAT, TrainingMode.LORA, false);
    }
}
