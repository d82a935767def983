package io.sparklora.core.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry. {@code begin} and {@code end} are byte offsets relative to the start
 * of the data buffer (the byte after the header), end exclusive, as in safetensors'
 * {@code data_offsets}. The constructor enforces the invariants every reader relies on: non-negative
 * dimensions, an element count that fits in a {@code long}, {@code 0 <= begin <= end}, and
 * {@code end - begin == elementCount * dtype.byteSize()}.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        String problem = problem(name, dtype, shape, begin, end);
        if (problem != null) {
            throw new IllegalArgumentException(name == null ? problem : "tensor '" + name + "': " + problem);
        }
        shape = shape.clone();
    }

    /**
     * Why these fields do not make a valid entry, or null if they do. Header parsing calls this
     * first so that it can report the problem with the file name, as a checked exception.
     */
    static String problem(String name, DType dtype, long[] shape, long begin, long end) {
        if (name == null || dtype == null || shape == null) {
            return "name, dtype and shape are required";
        }
        long count;
        try {
            count = Shapes.elementCount(shape);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (begin < 0 || end < 0) {
            return "data_offsets [" + begin + ", " + end + "] must not be negative";
        }
        if (begin > end) {
            return "data_offsets begin " + begin + " is greater than end " + end;
        }
        long expected;
        try {
            expected = Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            return "byte length of shape " + Shapes.format(shape) + " as " + dtype + " overflows a 64-bit integer";
        }
        if (end - begin != expected) {
            return "data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes, but shape "
                    + Shapes.format(shape) + " of " + dtype + " needs " + count + " x " + dtype.byteSize()
                    + " = " + expected + " bytes";
        }
        return null;
    }

    /** A copy: the record stays immutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the shape; 1 for a scalar ({@code []}), 0 if any dimension is 0. */
    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    /** {@code end - begin}, equal to {@code elementCount() * dtype().byteSize()}. */
    public long byteLength() {
        return end - begin;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return "TensorInfo[name=" + name + ", dtype=" + dtype + ", shape=" + Shapes.format(shape)
                + ", data_offsets=[" + begin + ", " + end + "]]";
    }
}
