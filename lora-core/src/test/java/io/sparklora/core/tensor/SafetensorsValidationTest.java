package io.sparklora.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be malformed gives a SafetensorsException naming the file and the problem. */
class SafetensorsValidationTest {

    @TempDir
    Path dir;

    private AbstractThrowableAssert<?, ? extends Throwable> openingBytes(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("bad.safetensors"), bytes);
        return assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString());
    }

    private AbstractThrowableAssert<?, ? extends Throwable> opening(String header, byte[] data) throws IOException {
        return openingBytes(RawFiles.bytes(header, data));
    }

    private static byte[] prefix(long headerLength, int extraBytes) {
        return ByteBuffer.allocate(8 + extraBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    @Test
    void fileShorterThanThePrefix() throws IOException {
        openingBytes(new byte[] {1, 2, 3}).hasMessageContaining("file is 3 bytes, shorter than the 8-byte header");
    }

    @Test
    void headerLengthZeroHugeOrPastTheEnd() throws IOException {
        openingBytes(prefix(0, 4)).hasMessageContaining("header length is 0");
        openingBytes(prefix(100L * 1024 * 1024 + 1, 4))
                .hasMessageContaining("header length 104857601 exceeds the limit of 104857600 bytes");
        openingBytes(prefix(-1, 4)).hasMessageContaining("header length 18446744073709551615 exceeds the limit");
        openingBytes(prefix(50, 10)).hasMessageContaining("header length 50 runs past the end of the 18-byte file")
                .hasMessageContaining("truncated");
    }

    @Test
    void headerThatIsNotAJsonObject() throws IOException {
        opening("{\"a\":", new byte[0]).hasMessageContaining("header is not valid JSON");
        opening("[1, 2]", new byte[0]).hasMessageContaining("header: expected a JSON object, found an array");
        opening("        ", new byte[0]).hasMessageContaining("header is empty");
        opening("{} {}", new byte[0]).hasMessageContaining("header is not valid JSON");
        opening("{\"a\":1,\"a\":2}", new byte[0]).hasMessageContaining("Duplicate field 'a'");
        byte[] badUtf8 = RawFiles.bytes("{\"x\":1}", new byte[0]);
        badUtf8[10] = (byte) 0xFF;
        openingBytes(badUtf8).hasMessageContaining("header is not valid UTF-8");
    }

    @Test
    void entriesWithMissingFieldsOrWrongTypes() throws IOException {
        opening("{\"t\":[1]}", new byte[0])
                .hasMessageContaining("tensor 't': expected an object with dtype, shape and data_offsets, found an array");
        opening("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])
                .hasMessageContaining("tensor 't': missing 'dtype'");
        opening("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4])
                .hasMessageContaining("tensor 't': missing 'shape'");
        opening("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4])
                .hasMessageContaining("tensor 't': missing 'data_offsets'");
        opening("{\"t\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])
                .hasMessageContaining("dtype must be a string, found a number (32)");
        opening("{" + RawFiles.entry("t", "F32", "\"1\"", 0, 4) + "}", new byte[4])
                .hasMessageContaining("shape must be an array of non-negative integers, found a string");
        opening("{" + RawFiles.entry("t", "F32", "[1.5]", 0, 4) + "}", new byte[4])
                .hasMessageContaining("shape must be an array of non-negative integers, found a number (1.5)");
        opening("{" + RawFiles.entry("t", "F32", "[2,-1]", 0, 4) + "}", new byte[4])
                .hasMessageContaining("tensor 't': shape must be an array of non-negative integers, found a number (-1)");
        opening("{" + RawFiles.entry("t", "F32", "[99999999999999999999]", 0, 4) + "}", new byte[4])
                .hasMessageContaining("found a number (99999999999999999999)");
        opening("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[8])
                .hasMessageContaining("data_offsets must be an array of 2 non-negative integers, found 3 values");
        opening("{\"__metadata__\":{\"k\":1}}", new byte[0])
                .hasMessageContaining("__metadata__ value of 'k' must be a string, found a number (1)");
        opening("{\"__metadata__\":[]}", new byte[0])
                .hasMessageContaining("__metadata__ must be an object of strings, found an array");
    }

    @Test
    void unknownDtypeListsTheKnownOnes() throws IOException {
        opening("{" + RawFiles.entry("t", "F4", "[2]", 0, 1) + "}", new byte[1])
                .hasMessageContaining("tensor 't'")
                .hasMessageContaining("unknown dtype 'F4'")
                .hasMessageContaining("expected one of F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8,"
                        + " U64, U32, U16, U8, BOOL");
        assertThatThrownBy(() -> DType.parse("f32", "ctx"))
                .isInstanceOf(SafetensorsException.class).hasMessageStartingWith("ctx: unknown dtype 'f32'");
    }

    @Test
    void offsetsOutOfOrderPastTheEndOrMismatchedWithTheShape() throws IOException {
        opening("{" + RawFiles.entry("t", "F32", "[0]", 8, 4) + "}", new byte[8])
                .hasMessageContaining("tensor 't': data_offsets begin 8 is greater than end 4");
        opening("{" + RawFiles.entry("t", "F32", "[4]", 0, 16) + "}", new byte[12])
                .hasMessageContaining("tensor 't': data_offsets end 16 is past the end of the 12-byte data buffer")
                .hasMessageContaining("truncated");
        opening("{" + RawFiles.entry("t", "F16", "[2,3]", 0, 8) + "}", new byte[8])
                .hasMessageContaining("tensor 't': data_offsets [0, 8] span 8 bytes, but shape [2, 3] of F16 needs"
                        + " 6 x 2 = 12 bytes");
    }

    @Test
    void overlappingTensorsNameBoth() throws IOException {
        opening("{" + RawFiles.entry("a", "F32", "[2]", 0, 8) + "," + RawFiles.entry("b", "F32", "[2]", 4, 12)
                + "," + RawFiles.entry("empty", "F32", "[0]", 4, 4) + "}", new byte[12])
                .hasMessageContaining("tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [4, 12]) overlap");
        opening("{" + RawFiles.entry("big", "U8", "[12]", 0, 12) + "," + RawFiles.entry("mid", "U8", "[2]", 2, 4)
                + "," + RawFiles.entry("inner", "U8", "[2]", 6, 8) + "}", new byte[12])
                .hasMessageContaining("tensors 'big'").hasMessageContaining("overlap");
    }

    @Test
    void shapeProductOverflow() throws IOException {
        opening("{" + RawFiles.entry("t", "F32", "[4294967296,4294967296]", 0, 4) + "}", new byte[4])
                .hasMessageContaining("tensor 't': element count of shape [4294967296, 4294967296] overflows");
        opening("{" + RawFiles.entry("t", "F64", "[2305843009213693952]", 0, 4) + "}", new byte[4])
                .hasMessageContaining("byte length of shape [2305843009213693952] as F64 overflows");
    }

    @Test
    void tensorTooLargeForAFloatArray() throws IOException {
        // A sparse file: the 4 GiB of F16 data takes no disk space, and the file is mapped per region.
        long count = Integer.MAX_VALUE;
        String header = "{" + RawFiles.entry("huge", "F16", "[" + count + "]", 0, 2 * count) + "}";
        Path file = RawFiles.write(dir.resolve("huge.safetensors"), header, new byte[0]);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() + 2 * count);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("huge").byteLength()).isEqualTo(2 * count);
            assertThatThrownBy(() -> f.readFloats("huge"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("tensor 'huge': has 2147483647 elements, more than the 2147483639 a Java"
                            + " float[] can hold");
            assertThatThrownBy(() -> f.rawBytes("huge"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("4294967294 bytes do not fit one ByteBuffer");
        }
    }

    @Test
    void recordsRejectInvalidFieldsToo() {
        assertThatThrownBy(() -> new TensorInfo("t", DType.F32, new long[] {2}, 0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 't': data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs");
        assertThatThrownBy(() -> FloatTensor.of(new float[3], 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape [2, 2] has 4 elements, but data has 3");
        assertThatThrownBy(() -> FloatTensor.of(new float[0], -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative dimension -1");
    }
}
