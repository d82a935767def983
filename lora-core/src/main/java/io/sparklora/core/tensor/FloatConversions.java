package io.sparklora.core.tensor;

/**
 * Bit-level conversions between float32 and the narrower floating-point formats safetensors
 * stores. Narrowing rounds to nearest, ties to even, like numpy and PyTorch; overflow gives
 * infinity and NaN stays NaN (quiet). Widening is exact.
 */
public final class FloatConversions {

    private FloatConversions() {
    }

    /** IEEE 754 binary16 to float32 (exact). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24 is exact in float32.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** float32 to IEEE 754 binary16, rounding to nearest even. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7F_FFFF;
        if (exp == 0xFF) {
            // Infinity keeps a zero mantissa; NaN keeps its top payload bits and is made quiet.
            return (short) (mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | (mant >>> 13));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            // Result is subnormal (or zero): value = m * 2^-24 with m = significand >> (14 - e).
            int shift = 14 - e;
            if (shift > 24) {
                return (short) sign; // below half the smallest subnormal
            }
            return (short) (sign | roundShift(mant | 0x80_0000, shift));
        }
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        return (short) (sign | ((e << 10) + roundShift(mant, 13)));
    }

    /** bfloat16 to float32 (exact: bfloat16 is the top half of a float32). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** float32 to bfloat16, rounding to nearest even. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7F80_0000) == 0x7F80_0000 && (bits & 0x7F_FFFF) != 0) {
            return (short) ((bits >>> 16) | 0x0040); // quiet NaN; rounding could turn it into inf
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** OCP FP8 E4M3 ("e4m3fn": no infinities, S.1111.111 is NaN) to float32 (exact). */
    public static float f8e4m3ToFloat(byte b) {
        int bits = b & 0xFF;
        int exp = (bits >>> 3) & 0xF;
        int mant = bits & 0x7;
        float v;
        if (exp == 0xF && mant == 0x7) {
            v = Float.NaN;
        } else if (exp == 0) {
            v = mant * 0x1p-9f;
        } else {
            v = (8 + mant) * (float) Math.scalb(1.0, exp - 7 - 3);
        }
        return (bits & 0x80) != 0 ? -v : v;
    }

    /** OCP FP8 E5M2 to float32 (exact: E5M2 is the top byte of a binary16). */
    public static float f8e5m2ToFloat(byte b) {
        return halfToFloat((short) ((b & 0xFF) << 8));
    }

    /** value >> shift, rounded to nearest even on the dropped bits (1 <= shift <= 31). */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int dropped = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (dropped > halfway || (dropped == halfway && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
