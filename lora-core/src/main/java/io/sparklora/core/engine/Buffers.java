package io.sparklora.core.engine;

import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * The arrays an engine owns, by name: each is allocated the first time its name is asked for and handed back on
 * every later step, as a view of the requested shape over the front of one flat array that only ever grows. So after
 * warm-up a step allocates nothing, and a smaller last micro-batch or evaluation batch reuses the same memory rather
 * than adding a second set. A name says what an array holds ("L3.attn.probs", "scratch.norm.a"); two values that
 * are alive at once must never share a name.
 */
final class Buffers implements AutoCloseable {
    private final DataType dtype;
    private final Map<String, INDArray> arrays = new HashMap<>();

    Buffers(DataType dtype) {
        this.dtype = dtype;
    }

    /** The array for {@code name} in this shape; its contents are whatever the last user left. */
    INDArray get(String name, long... shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        INDArray flat = arrays.get(name);
        if (flat == null || flat.length() < length) {
            NativeArrays.close(flat); // a larger batch: its values were only this name's, now stale
            flat = Nd4j.createUninitializedDetached(dtype, length);
            arrays.put(name, flat);
        }
        INDArray front = flat.length() == length ? flat : flat.get(NDArrayIndex.interval(0, length));
        return front.reshape('c', shape);
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
