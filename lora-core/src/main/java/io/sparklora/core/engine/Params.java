package io.sparklora.core.engine;

import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every tensor the engine computes with, by Hugging Face name, and a gradient accumulator for each trainable one.
 * Frozen base weights are the loaded model's own arrays when the dtype matches (shared by all engines of a JVM,
 * never copied); trainable values are the engine's own.
 */
final class Params implements AutoCloseable {
    private final Map<String, INDArray> values = new HashMap<>();
    private final Map<String, INDArray> gradients = new HashMap<>();
    private final List<INDArray> owned = new ArrayList<>();
    private final ParameterLayout trainable;

    Params(BaseModel base, ParameterLayout trainable, DataType dtype) {
        this.trainable = trainable;
        for (Map.Entry<String, INDArray> e : base.weights().entrySet()) {
            INDArray w = e.getValue();
            boolean trains = trainable.names().contains(e.getKey());
            if (trains || w.dataType() != dtype) {
                w = own(w.castTo(dtype).dup());
            }
            values.put(e.getKey(), w);
        }
        for (String name : trainable.names()) {
            values.computeIfAbsent(name, n -> own(Nd4j.zeros(dtype, trainable.shape(n))));
            gradients.put(name, own(Nd4j.zeros(dtype, trainable.shape(name))));
        }
    }

    private INDArray own(INDArray a) {
        owned.add(a);
        return a;
    }

    ParameterLayout trainable() {
        return trainable;
    }

    INDArray value(String name) {
        INDArray v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no tensor named " + name);
        }
        return v;
    }

    /** The accumulator of d(loss)/d(name), or null when the tensor is frozen. */
    INDArray gradient(String name) {
        return gradients.get(name);
    }

    /** Copies θ (in the trainable layout's order) into the trainable arrays. */
    void setTrainable(float[] theta) {
        trainable.checkSize(theta);
        for (String name : trainable.names()) {
            INDArray value = trainable.array(theta, name);
            try {
                value(name).assign(value);
            } finally {
                NativeArrays.close(value);
            }
        }
    }

    /** Sets the trainable arrays from named arrays (any float dtype; e.g. float64 for gradient checks). */
    void setTrainable(Map<String, INDArray> named) {
        for (String name : trainable.names()) {
            INDArray v = named.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no value for trainable parameter " + name);
            }
            value(name).assign(v);
        }
    }

    /** Copies of the trainable arrays, by name, in θ's order; the caller owns them. */
    Map<String, INDArray> trainableCopies() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainable.names()) {
            out.put(name, value(name).dup());
        }
        return out;
    }

    /** θ as one vector, in the trainable layout's order. */
    float[] trainableVector() {
        Map<String, INDArray> copies = trainableCopies();
        try {
            return trainable.flatten(copies);
        } finally {
            NativeArrays.close(copies.values());
        }
    }

    void zeroGradients() {
        for (INDArray g : gradients.values()) {
            g.assign(0);
        }
    }

    @Override
    public void close() {
        NativeArrays.close(owned);
        owned.clear();
    }
}
