package io.sparklora.core.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The element types safetensors defines, named as they appear in a header's {@code "dtype"}. */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    F8_E4M3(1, true),
    F8_E5M2(1, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U64(8, false),
    U32(4, false),
    U16(2, false),
    U8(1, false),
    BOOL(1, false);

    private static final String KNOWN =
            Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The header spelling, e.g. {@code "F32"}. */
    public String safetensorsName() {
        return name();
    }

    /** True for the types {@link SafetensorsFile#readFloats} converts to float32. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * The dtype a header names. Matching is exact (safetensors names are upper case).
     *
     * @param context where the name came from (file and tensor), for the error message
     */
    public static DType parse(String name, String context) throws SafetensorsException {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new SafetensorsException(context + ": unknown dtype '" + name
                + "'; expected one of " + KNOWN
                + " (sub-byte and complex dtypes of newer safetensors versions are not supported)");
    }
}
