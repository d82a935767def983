package io.sparklora.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void oneTensorFileHasHuggingFacesExactBytes() {
        byte[] bytes = SafetensorsWriter.toBytes(Map.of("w", FloatTensor.of(new float[] {1f, 2f}, 2)),
                Map.of("format", "pt"), DType.F32);

        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]}}";
        assertThat(json).hasSize(85);
        // 85 bytes of JSON padded with 3 spaces to 88 = 0x58, so data starts 8-byte aligned at 96.
        String expected = "5800000000000000"
                + HexFormat.of().formatHex((json + "   ").getBytes(StandardCharsets.US_ASCII))
                + "0000803f" + "00000040";
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(expected);
    }

    @Test
    void sortsNamesBytewiseAndEncodesHalfLittleEndian() {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put("b", FloatTensor.of(new float[] {1f}));
        tensors.put("a", FloatTensor.of(new float[] {-2f}, 1));
        tensors.put("B", FloatTensor.of(new float[] {}, 0));
        byte[] bytes = SafetensorsWriter.toBytes(tensors, null, DType.F16);

        String json = "{\"B\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[2,4]}}";
        int padded = (json.length() + 7) / 8 * 8;
        assertThat(bytes[0] & 0xFF).isEqualTo(padded);
        assertThat(new String(bytes, 8, padded, StandardCharsets.UTF_8)).isEqualTo(json + " ".repeat(padded - json.length()));
        assertThat(Arrays.copyOfRange(bytes, 8 + padded, bytes.length))
                .containsExactly(0x00, 0xC0 - 256, 0x00, 0x3C); // -2.0 = 0xC000, 1.0 = 0x3C00
    }

    @Test
    void escapesNamesAsSerdeJsonDoes() {
        byte[] bytes = SafetensorsWriter.toBytes(Map.of("q\"\\\n\u0001é", FloatTensor.of(new float[] {0f})),
                Map.of(), DType.F32);
        String header = new String(bytes, 8, bytes[0], StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"q\\\"\\\\\\n\\u0001é\":{");
    }

    @Test
    void writeStoresTheSameBytesAsToBytesAndLeavesNoTemporaryFile() throws IOException {
        Map<String, FloatTensor> tensors = Map.of("x", FloatTensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3));
        Path file = dir.resolve("sub/out.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("k", "v"), DType.BF16);
        SafetensorsWriter.write(file, tensors, Map.of("k", "v"), DType.BF16); // replaces

        assertThat(Files.readAllBytes(file)).isEqualTo(SafetensorsWriter.toBytes(tensors, Map.of("k", "v"), DType.BF16));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void writesLargeTensorsAcrossItsBuffer() throws IOException {
        float[] data = new float[700_000]; // > 1 MiB buffer as F32 and as F16
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 1000;
        }
        Path file = dir.resolve("big.safetensors");
        SafetensorsWriter.write(file, Map.of("t", FloatTensor.of(data, 700, 1000)), null);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.readFloats("t")).isEqualTo(data);
        }
    }

    @Test
    void rejectsInvalidArguments() {
        FloatTensor t = FloatTensor.of(new float[] {1f});
        assertThatThrownBy(() -> SafetensorsWriter.toBytes(Map.of("x", t), null, DType.I32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("output dtype must be F32, F16 or BF16, got I32");
        assertThatThrownBy(() -> SafetensorsWriter.toBytes(Map.of("__metadata__", t), null, DType.F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> SafetensorsWriter.toBytes(Map.of("bad\uD800", t), null, DType.F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
        Map<String, FloatTensor> withNull = new LinkedHashMap<>();
        withNull.put("n", null);
        assertThatThrownBy(() -> SafetensorsWriter.toBytes(withNull, null, DType.F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 'n' is null");
    }
}
