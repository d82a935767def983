package io.sparklora.core.tensor;

import java.util.Arrays;

/**
 * A host-side float32 tensor in row-major order, as written by {@link SafetensorsWriter}. The
 * constructor checks {@code data.length == product(shape)} and copies the (small) shape; the data
 * array is shared, not copied, because tensors can be large: do not modify it after handing it over.
 */
public record FloatTensor(long[] shape, float[] data) {

    public FloatTensor {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("shape and data are required");
        }
        long count = Shapes.elementCount(shape);
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " has " + count
                    + " elements, but data has " + data.length);
        }
        shape = shape.clone();
    }

    /** {@code FloatTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)}; no dimensions means a scalar. */
    public static FloatTensor of(float[] data, long... shape) {
        return new FloatTensor(shape, data);
    }

    /** A copy: the shape stays immutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements, {@code data().length}. */
    public int elementCount() {
        return data.length;
    }

    /** Equal shapes and bitwise-equal data ({@link Float#floatToIntBits}, so NaN equals NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    /** Shape and at most the first 8 values: tensors can be large. */
    @Override
    public String toString() {
        int shown = Math.min(8, data.length);
        String head = Arrays.toString(Arrays.copyOf(data, shown));
        if (shown < data.length) {
            head = head.substring(0, head.length() - 1) + ", ... (" + data.length + " values)]";
        }
        return "FloatTensor[shape=" + Shapes.format(shape) + ", data=" + head + "]";
    }
}
