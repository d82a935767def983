package io.sparklora.core.lora;

import io.sparklora.core.model.Arrays2;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable parameters as one flat float vector (what the driver broadcasts and the optimizer updates) and
 * the named arrays the graph holds. Order is fixed by construction, so two JVMs agree on every offset.
 */
public final class ParameterLayout implements java.io.Serializable {
    private final LinkedHashMap<String, long[]> shapes;
    private final Map<String, Integer> offsets;
    private final int size;

    public ParameterLayout(LinkedHashMap<String, long[]> shapes) {
        this.shapes = new LinkedHashMap<>(shapes);
        LinkedHashMap<String, Integer> off = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            off.put(e.getKey(), (int) total);
            total += Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(total + " trainable parameters do not fit one flat vector");
        }
        this.offsets = Collections.unmodifiableMap(off);
        this.size = (int) total;
    }

    public int size() {
        return size;
    }

    public List<String> names() {
        return List.copyOf(shapes.keySet());
    }

    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no trainable parameter named " + name);
        }
        return s.clone();
    }

    public int offset(String name) {
        shape(name);
        return offsets.get(name);
    }

    public int length(String name) {
        return (int) Arrays.stream(shapes.get(name)).reduce(1, Math::multiplyExact);
    }

    /** A copy of one parameter's values out of the flat vector. */
    public float[] slice(float[] flat, String name) {
        checkSize(flat);
        int off = offset(name);
        return Arrays.copyOfRange(flat, off, off + length(name));
    }

    public INDArray array(float[] flat, String name) {
        return Arrays2.fromFloats(slice(flat, name), shape(name));
    }

    public Map<String, INDArray> unflatten(float[] flat) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : shapes.keySet()) {
            out.put(name, array(flat, name));
        }
        return out;
    }

    public float[] flatten(Map<String, INDArray> arrays) {
        float[] flat = new float[size];
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            INDArray a = arrays.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("missing trainable parameter " + e.getKey());
            }
            if (!Arrays.equals(a.shape(), e.getValue())) {
                throw new IllegalArgumentException(e.getKey() + " has shape " + Arrays.toString(a.shape()) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
            float[] v = Arrays2.toFloats(a);
            System.arraycopy(v, 0, flat, offsets.get(e.getKey()), v.length);
        }
        return flat;
    }

    public void checkSize(float[] flat) {
        if (flat.length != size) {
            throw new IllegalArgumentException("parameter vector has " + flat.length + " values, the layout needs " + size);
        }
    }
}
