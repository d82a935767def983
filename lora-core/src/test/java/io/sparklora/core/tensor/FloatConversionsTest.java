package io.sparklora.core.tensor;

import static io.sparklora.core.tensor.FloatConversions.bf16ToFloat;
import static io.sparklora.core.tensor.FloatConversions.f8e4m3ToFloat;
import static io.sparklora.core.tensor.FloatConversions.f8e5m2ToFloat;
import static io.sparklora.core.tensor.FloatConversions.floatToBf16;
import static io.sparklora.core.tensor.FloatConversions.floatToHalf;
import static io.sparklora.core.tensor.FloatConversions.halfToFloat;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class FloatConversionsTest {

    @Test
    void halfDecodesKnownValues() {
        assertThat(halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(halfToFloat((short) 0x7BFF)).isEqualTo(65504.0f);
        assertThat(halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(halfToFloat((short) 0x03FF)).isEqualTo(1023 * 0x1p-24f);
        assertThat(halfToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(halfToFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(halfToFloat((short) 0x7E00)).isNaN();
        assertThat(Float.floatToRawIntBits(halfToFloat((short) 0x8000))).isEqualTo(0x8000_0000);
    }

    @Test
    void everyHalfSurvivesARoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(halfToFloat(floatToHalf(f)))).as("NaN %04x", h).isTrue();
            } else {
                assertThat(floatToHalf(f) & 0xFFFF).as("half %04x", h).isEqualTo(h);
            }
        }
    }

    @Test
    void everyBf16SurvivesARoundTrip() {
        for (int b = 0; b < 0x10000; b++) {
            float f = bf16ToFloat((short) b);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(bf16ToFloat(floatToBf16(f)))).as("NaN %04x", b).isTrue();
            } else {
                assertThat(floatToBf16(f) & 0xFFFF).as("bf16 %04x", b).isEqualTo(b);
            }
        }
    }

    @Test
    void halfRoundsToNearestEven() {
        assertThat(floatToHalf(1.0f + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie, even stays
        assertThat(floatToHalf(1.0f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02); // tie, odd rounds up
        assertThat(floatToHalf(65520f)).isEqualTo((short) 0x7C00); // tie above max overflows
        assertThat(floatToHalf(65519f)).isEqualTo((short) 0x7BFF);
        assertThat(floatToHalf(0x1p-25f)).isEqualTo((short) 0); // half the smallest subnormal, tie to 0
        assertThat(floatToHalf(0x1.8p-25f)).isEqualTo((short) 1);
        assertThat(floatToHalf(1e-10f)).isEqualTo((short) 0);
        assertThat(floatToHalf(Float.NaN) & 0x7C00).isEqualTo(0x7C00);
        assertThatNearest(FloatConversions::floatToHalf, h -> halfToFloat((short) h), 65504f);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(floatToBf16(1.0f + 0x1p-8f)).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(floatToBf16(1.0f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80); // rounds up to infinity
        assertThat(Float.isNaN(bf16ToFloat(floatToBf16(Float.intBitsToFloat(0x7F80_0001))))).isTrue();
        assertThatNearest(FloatConversions::floatToBf16, b -> bf16ToFloat((short) b), bf16ToFloat((short) 0x7F7F));
    }

    @Test
    void fp8DecodesKnownValues() {
        assertThat(f8e4m3ToFloat((byte) 0x38)).isEqualTo(1.0f);
        assertThat(f8e4m3ToFloat((byte) 0x7E)).isEqualTo(448f);
        assertThat(f8e4m3ToFloat((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(f8e4m3ToFloat((byte) 0xC0)).isEqualTo(-2f);
        assertThat(f8e4m3ToFloat((byte) 0x7F)).isNaN();
        assertThat(f8e5m2ToFloat((byte) 0x3C)).isEqualTo(1.0f);
        assertThat(f8e5m2ToFloat((byte) 0x7B)).isEqualTo(57344f);
        assertThat(f8e5m2ToFloat((byte) 0x7C)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    interface Narrow {
        short apply(float f);
    }

    /** For random floats up to the largest finite result, no neighbour of the result is closer; ties go to even. */
    private static void assertThatNearest(Narrow narrow, IntFunction<Float> widen, float max) {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f) || Math.abs(f) > max) {
                continue;
            }
            int r = narrow.apply(f) & 0xFFFF;
            double err = Math.abs((double) widen.apply(r) - f);
            for (int neighbour : new int[] {r - 1, r + 1}) {
                float n = widen.apply(neighbour & 0xFFFF);
                if (Float.isNaN(n) || Math.signum(n) * Math.signum(f) < 0) {
                    continue;
                }
                double other = Math.abs((double) n - f);
                assertThat(err).as("%s -> %04x vs %04x", f, r, neighbour).isLessThanOrEqualTo(other);
                if (err == other) {
                    assertThat(r & 1).as("tie for %s goes to even", f).isZero();
                }
            }
        }
    }
}
