package io.sparklora.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts little-endian tensor bytes of a floating-point dtype to float32. */
final class TensorDecoding {

    /**
     * Largest array the JVM reliably allocates (some VMs reserve header words), so larger
     * tensors get a clear error instead of an OutOfMemoryError.
     */
    static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private TensorDecoding() {
    }

    /** Checks that {@code info} can be read by {@link #decode}, naming the problem and the fix. */
    static void checkReadable(String source, TensorInfo info) throws SafetensorsException {
        if (!info.dtype().isFloatingPoint()) {
            throw SafetensorsException.inTensor(source, info.name(), "dtype " + info.dtype()
                    + " cannot be read as float32; only floating-point dtypes (F64, F32, F16, BF16, F8_E4M3,"
                    + " F8_E5M2) convert; use rawBytes() for integer and boolean tensors");
        }
        if (info.elementCount() > MAX_ARRAY_LENGTH) {
            throw SafetensorsException.inTensor(source, info.name(), "has " + info.elementCount()
                    + " elements, more than the " + MAX_ARRAY_LENGTH + " a Java float[] can hold; read it in"
                    + " slices with rawBytes() or split the tensor");
        }
    }

    /** Decodes all of {@code src} (whole elements of {@code dtype}) into {@code dst} from {@code offset}. */
    static void decode(ByteBuffer src, DType dtype, float[] dst, int offset) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / dtype.byteSize();
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(dst, offset, n);
            case F64 -> {
                var doubles = in.asDoubleBuffer();
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = (float) doubles.get(i);
                }
            }
            case F16 -> {
                var shorts = in.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = FloatConversions.halfToFloat(shorts.get(i));
                }
            }
            case BF16 -> {
                var shorts = in.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = FloatConversions.bf16ToFloat(shorts.get(i));
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = FloatConversions.f8e4m3ToFloat(in.get(in.position() + i));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = FloatConversions.f8e5m2ToFloat(in.get(in.position() + i));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point dtype");
        }
    }
}
