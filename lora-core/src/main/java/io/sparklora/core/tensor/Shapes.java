package io.sparklora.core.tensor;

/** Shape arithmetic shared by the tensor records; overflow is an error, never a wrap-around. */
final class Shapes {

    private Shapes() {
    }

    /**
     * The number of elements of {@code shape} (1 for the empty shape, a scalar).
     *
     * @throws IllegalArgumentException for a negative dimension or a product beyond {@code long}
     */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + format(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("element count of shape " + format(shape) + " overflows a 64-bit integer");
            }
        }
        return n;
    }

    /** {@code [2, 3]}, {@code []} for a scalar. */
    static String format(long[] shape) {
        return java.util.Arrays.toString(shape);
    }
}
