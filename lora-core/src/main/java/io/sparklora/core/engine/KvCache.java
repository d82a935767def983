package io.sparklora.core.engine;

import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values of every layer for one sequence being generated, so each new token attends to the cached
 * positions instead of rerunning the whole window: per layer K and V [Hkv, capacity, D] (after rotary, as
 * attention uses them). Valid only for the trainable values it was filled with (see {@link CausalLm#version()}).
 */
public final class KvCache implements AutoCloseable {
    private final List<INDArray[]> layers = new ArrayList<>();
    private final int capacity;
    private final long version;
    private int length;

    KvCache(ModelConfig c, int capacity, DataType dtype, long version) {
        this.capacity = capacity;
        this.version = version;
        for (int l = 0; l < c.numLayers(); l++) {
            layers.add(new INDArray[] {Nd4j.zeros(dtype, c.numKvHeads(), capacity, c.headDim()),
                    Nd4j.zeros(dtype, c.numKvHeads(), capacity, c.headDim())});
        }
    }

    /** Positions cached so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public long version() {
        return version;
    }

    /** Layer l's keys [Hkv, capacity, D]. */
    INDArray keys(int layer) {
        return layers.get(layer)[0];
    }

    INDArray values(int layer) {
        return layers.get(layer)[1];
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        for (INDArray[] kv : layers) {
            NativeArrays.close(kv[0]);
            NativeArrays.close(kv[1]);
        }
        layers.clear();
    }
}
