package io.sparklora.core.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and the sigmoid on whole SIMD registers, for the fused kernels ({@link VectorKernels}). exp(x) = 2ⁿ·eʳ with n = round(x/ln 2)
 * and r = x − n·ln 2 (ln 2 split in two parts so r keeps its low bits, Cody and Waite), eʳ by a degree-6 polynomial
 * on |r| ≤ ln(2)/2 (Cephes' expf coefficients, within 2 ulp of the float32 result), 2ⁿ built in the exponent bits.
 * Every step is a lane-wise multiply, add or bit operation, so it runs 8 floats at a time on AVX2 where ND4J's exp
 * is a scalar libm call per element.
 */
final class VectorMath {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** Below this exp underflows float32's normal range: the result is 0 (a masked score's exp is exactly 0). */
    private static final float EXP_MIN = -87.33f;
    private static final float EXP_MAX = 88.37f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {
    }

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUNDER));
        FloatVector n = shifted.sub(ROUNDER);
        IntVector ni = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(F, P0), FloatVector.broadcast(F, P1));
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector er = p.fma(r.mul(r), r).add(1f); // 1 + r + r²·p(r)
        FloatVector twoToN = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(twoToN).blend(0f, x.lt(EXP_MIN));
    }

    /** σ(x) = 1 / (1 + exp(−x)). */
    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(F, 1f).div(exp(x.neg()).add(1f));
    }
}
