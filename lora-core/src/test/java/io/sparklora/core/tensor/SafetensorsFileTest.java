package io.sparklora.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    private static final float[] VALUES = {0f, -1.5f, 3.14159f, 1e-3f, -65000f, 1234.5678f};

    private Path roundTrip(DType dtype) throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put("layer.weight", FloatTensor.of(VALUES, 2, 3));
        tensors.put("layer.bias", FloatTensor.of(new float[] {7f, 8f}, 2));
        Path file = dir.resolve(dtype + ".safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", "ünïcode"), dtype);
        return file;
    }

    @Test
    void f32RoundTripIsExact() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(roundTrip(DType.F32))) {
            assertThat(f.names()).containsExactly("layer.bias", "layer.weight");
            assertThat(f.readFloats("layer.weight")).containsExactly(VALUES);
            assertThat(f.readFloats("layer.bias")).containsExactly(7f, 8f);
            TensorInfo info = f.info("layer.weight");
            assertThat(info).isEqualTo(new TensorInfo("layer.weight", DType.F32, new long[] {2, 3}, 8, 32));
            assertThat(info.elementCount()).isEqualTo(6);
            assertThat(info.byteLength()).isEqualTo(24);
        }
    }

    @Test
    void f16AndBf16RoundTripWithinTheirPrecision() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(roundTrip(DType.F16))) {
            assertThat(f.info("layer.weight").dtype()).isEqualTo(DType.F16);
            float[] read = f.readFloats("layer.weight");
            for (int i = 0; i < VALUES.length; i++) {
                // 11 significant bits: relative error at most 2^-11; 1e-3 is a normal half.
                assertThat(read[i]).isCloseTo(VALUES[i], within(Math.abs(VALUES[i]) * 0x1p-11f));
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(roundTrip(DType.BF16))) {
            float[] read = f.readFloats("layer.weight");
            for (int i = 0; i < VALUES.length; i++) {
                assertThat(read[i]).isCloseTo(VALUES[i], within(Math.abs(VALUES[i]) * 0x1p-8f));
            }
        }
    }

    @Test
    void metadataRoundTrips() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(roundTrip(DType.F32))) {
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "ünïcode"));
        }
        Path none = dir.resolve("none.safetensors");
        SafetensorsWriter.write(none, Map.of("x", FloatTensor.of(new float[] {1f})), null);
        try (SafetensorsFile f = SafetensorsFile.open(none)) {
            assertThat(f.metadata()).isEmpty();
        }
    }

    @Test
    void readsAHandWrittenHeaderInItsOrder() throws IOException {
        // Unsorted, unpadded, with whitespace, F64 and I32 entries and an unknown extra field.
        String header = "{ \"z\": {\"dtype\":\"F64\", \"shape\":[2], \"data_offsets\":[0,16], \"extra\":1},"
                + " \"__metadata__\": {\"a\":\"b\"}, " + RawFiles.entry("ids", "I32", "[1]", 16, 20) + " }";
        ByteBuffer data = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
                .putDouble(0.1).putDouble(-2.5).putInt(42);
        Path file = RawFiles.write(dir.resolve("hand.safetensors"), header, data.array());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("z", "ids");
            assertThat(f.metadata()).containsEntry("a", "b");
            assertThat(f.readFloats("z")).containsExactly(0.1f, -2.5f);
            ByteBuffer raw = f.rawBytes("ids");
            assertThat(raw.isReadOnly()).isTrue();
            assertThat(raw.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(raw.remaining()).isEqualTo(4);
            assertThat(raw.getInt(0)).isEqualTo(42);
            assertThat(f.contains("ids")).isTrue();
            assertThat(f.contains("__metadata__")).isFalse();
        }
    }

    @Test
    void readsZeroElementAndScalarTensors() throws IOException {
        String header = "{" + RawFiles.entry("empty", "F32", "[0]", 0, 0) + ","
                + RawFiles.entry("empty2d", "BF16", "[3,0]", 0, 0) + ","
                + RawFiles.entry("scalar", "F32", "[]", 0, 4) + "}";
        Path file = RawFiles.write(dir.resolve("edge.safetensors"), header, RawFiles.f32(2.5f));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.readFloats("empty")).isEmpty();
            assertThat(f.readFloats("empty2d")).isEmpty();
            assertThat(f.rawBytes("empty").remaining()).isZero();
            assertThat(f.info("scalar").shape()).isEmpty();
            assertThat(f.info("scalar").elementCount()).isEqualTo(1);
            assertThat(f.readFloats("scalar")).containsExactly(2.5f);
        }
    }

    @Test
    void readsFp8() throws IOException {
        String header = "{" + RawFiles.entry("a", "F8_E4M3", "[2]", 0, 2) + ","
                + RawFiles.entry("b", "F8_E5M2", "[1]", 2, 3) + "}";
        Path file = RawFiles.write(dir.resolve("fp8.safetensors"), header, new byte[] {0x38, (byte) 0xC0, 0x3C});
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.readFloats("a")).containsExactly(1f, -2f);
            assertThat(f.readFloats("b")).containsExactly(1f);
        }
    }

    @Test
    void perRegionMappingAndChunkedReadsGiveTheSameFloats() throws IOException {
        float[] data = new float[1001];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f;
        }
        Path file = dir.resolve("regions.safetensors");
        SafetensorsWriter.write(file, Map.of("a", FloatTensor.of(data, 7, 143), "b", FloatTensor.of(new float[] {9f})),
                null, DType.F16);
        // Threshold 0 forces the >2 GiB path; a 7-byte chunk limit splits reads into 3-half chunks.
        try (SafetensorsFile f = SafetensorsFile.open(file, 0, 7)) {
            assertThat(f.readFloats("a")).containsExactly(data);
            assertThat(f.readFloats("b")).containsExactly(9f);
            assertThat(f.rawBytes("b").getShort(0)).isEqualTo(FloatConversions.floatToHalf(9f));
        }
    }

    @Test
    void streamedChunksEqualWholeReadsInEveryDtype() throws IOException {
        float[] data = new float[1001];
        for (int i = 0; i < data.length; i++) {
            data[i] = (i - 500) * 0.25f;
        }
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Path file = dir.resolve("stream-" + dtype + ".safetensors");
            SafetensorsWriter.write(file, Map.of("a", FloatTensor.of(data, 7, 143), "b", FloatTensor.of(new float[] {9f}, 1)),
                    null, dtype);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                SafetensorsFile.StreamBuffers buffers = new SafetensorsFile.StreamBuffers(64); // 1001 = 15 x 64 + 41
                for (String name : new String[] {"a", "b"}) {
                    float[] streamed = new float[(int) f.info(name).elementCount()];
                    java.util.List<Long> firsts = new java.util.ArrayList<>();
                    f.streamFloats(name, buffers, (values, count, first) -> {
                        assertThat(count).isBetween(1, 64);
                        System.arraycopy(values, 0, streamed, (int) first, count);
                        firsts.add(first);
                    });
                    assertThat(streamed).as(dtype + " " + name).containsExactly(f.readFloats(name));
                    assertThat(firsts).as("chunks in order, each starting where the last ended").isSorted()
                            .hasSize((streamed.length + 63) / 64);
                }
            }
        }
        ByteBuffer doubles = ByteBuffer.allocate(5 * 8).order(ByteOrder.LITTLE_ENDIAN); // the widest dtype, 8 bytes
        for (int i = 0; i < 5; i++) {
            doubles.putDouble(i * 1.5 - 2);
        }
        Path f64 = RawFiles.write(dir.resolve("stream-f64.safetensors"), "{" + RawFiles.entry("d", "F64", "[5]", 0, 40) + "}",
                doubles.array());
        try (SafetensorsFile f = SafetensorsFile.open(f64)) {
            float[] streamed = new float[5];
            f.streamFloats("d", new SafetensorsFile.StreamBuffers(2),
                    (values, count, first) -> System.arraycopy(values, 0, streamed, (int) first, count));
            assertThat(streamed).containsExactly(-2f, -0.5f, 1f, 2.5f, 4f);
        }
    }

    @Test
    void reportsUnknownNamesNonFloatReadsAndClosedFiles() throws IOException {
        String header = "{" + RawFiles.entry("ids", "I64", "[1]", 0, 8) + ","
                + RawFiles.entry("w", "F32", "[1]", 8, 12) + "}";
        Path file = RawFiles.write(dir.resolve("mixed.safetensors"), header, new byte[12]);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertThatThrownBy(() -> f.info("missing"))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("no tensor named 'missing'")
                .hasMessageContaining("'ids', 'w'");
        assertThatThrownBy(() -> f.readFloats("ids"))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor 'ids'")
                .hasMessageContaining("dtype I64 cannot be read as float32")
                .hasMessageContaining("rawBytes()");
        f.close();
        assertThatThrownBy(() -> f.readFloats("w"))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("file is closed");
        assertThatThrownBy(() -> f.streamFloats("w", new SafetensorsFile.StreamBuffers(4), (v, n, first) -> { }))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("file is closed");
    }
}
