package io.sparklora.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TensorRecordsTest {

    @Test
    void tensorInfoComparesShapesByContentAndCopiesThem() {
        long[] shape = {2, 3};
        TensorInfo a = new TensorInfo("w", DType.BF16, shape, 0, 12);
        shape[0] = 99;
        TensorInfo b = new TensorInfo("w", DType.BF16, new long[] {2, 3}, 0, 12);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new TensorInfo("w", DType.F16, new long[] {2, 3}, 0, 12));
        a.shape()[1] = 7;
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.rank()).isEqualTo(2);
        assertThat(a.toString()).isEqualTo("TensorInfo[name=w, dtype=BF16, shape=[2, 3], data_offsets=[0, 12]]");
    }

    @Test
    void floatTensorComparesContentsAndPrintsAPrefix() {
        FloatTensor a = FloatTensor.of(new float[] {1, Float.NaN}, 2);
        assertThat(a).isEqualTo(FloatTensor.of(new float[] {1, Float.NaN}, 2))
                .hasSameHashCodeAs(FloatTensor.of(new float[] {1, Float.NaN}, 2))
                .isNotEqualTo(FloatTensor.of(new float[] {1, Float.NaN}, 2, 1));
        assertThat(FloatTensor.of(new float[] {5f}).shape()).isEmpty();
        assertThat(FloatTensor.of(new float[10], 10).toString())
                .isEqualTo("FloatTensor[shape=[10], data=[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ... (10 values)]]");
    }

    @Test
    void dtypesKnowTheirSizesAndFloatness() {
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.I64.byteSize()).isEqualTo(8);
        assertThat(DType.F32.safetensorsName()).isEqualTo("F32");
        assertThat(DType.F16.isFloatingPoint()).isTrue();
        assertThat(DType.BOOL.isFloatingPoint()).isFalse();
    }
}
