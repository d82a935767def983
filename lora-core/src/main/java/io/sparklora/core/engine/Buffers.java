package io.sparklora.core.engine;

import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The arrays an engine owns, allocated the first time a (name, shape) is asked for and handed back on every later
 * step: after warm-up a step allocates nothing that grows with the model. A name says what an array holds
 * ("L3.attn.probs", "scratch.NxH"); two values that are alive at once must never share a name.
 */
final class Buffers implements AutoCloseable {
    private final DataType dtype;
    private final Map<String, INDArray> arrays = new HashMap<>();

    Buffers(DataType dtype) {
        this.dtype = dtype;
    }

    DataType dtype() {
        return dtype;
    }

    /** The array for {@code name} of this shape; its contents are whatever the last user left. */
    INDArray get(String name, long... shape) {
        String key = name + Arrays.toString(shape);
        INDArray a = arrays.get(key);
        if (a == null) {
            a = Nd4j.createUninitializedDetached(dtype, shape);
            arrays.put(key, a);
        }
        return a;
    }

    /** As {@link #get} with every value set to zero. */
    INDArray zeros(String name, long... shape) {
        INDArray a = get(name, shape);
        a.assign(0);
        return a;
    }

    /** Bytes held, for the memory model. */
    long bytes() {
        return arrays.values().stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    @Override
    public void close() {
        NativeArrays.close(arrays.values());
        arrays.clear();
    }
}
