package io.sparklora.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The bytes of a safetensors file about to be written, laid out as Hugging Face's writer does:
 * {@code __metadata__} first, then tensors sorted by name (byte-wise on UTF-8, Rust's string order;
 * all share one dtype, so HF's sort by descending dtype alignment changes nothing), compact JSON,
 * and the header padded with spaces to a multiple of 8 bytes so the data buffer is 8-byte aligned.
 */
final class SafetensorsLayout {

    private static final int BUFFER_BYTES = 1 << 20;

    private final List<Map.Entry<String, FloatTensor>> tensors;
    private final DType dtype;
    private final byte[] header;
    private final long totalBytes;

    SafetensorsLayout(Map<String, FloatTensor> tensors, Map<String, String> metadata, DType dtype) {
        if (tensors == null) {
            throw new IllegalArgumentException("tensors are required (an empty map writes an empty file)");
        }
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("output dtype must be F32, F16 or BF16, got " + dtype);
        }
        this.dtype = dtype;
        this.tensors = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, FloatTensor> e : this.tensors) {
            checkString(e.getKey(), "tensor name");
            if (e.getKey().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + SafetensorsHeader.METADATA_KEY
                        + "' is reserved for metadata and cannot name a tensor");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is null");
            }
        }
        this.tensors.sort((a, b) -> Arrays.compareUnsigned(utf8(a.getKey()), utf8(b.getKey())));

        StringBuilder json = new StringBuilder("{");
        List<Map.Entry<String, String>> meta = metadata == null ? List.of() : new ArrayList<>(metadata.entrySet());
        for (Map.Entry<String, String> e : meta) {
            checkString(e.getKey(), "metadata key");
            checkString(e.getValue(), "metadata value of '" + e.getKey() + "'");
        }
        if (!meta.isEmpty()) {
            // HF keeps metadata in a hash map, so its order is arbitrary; sorting makes output reproducible.
            meta.sort((a, b) -> Arrays.compareUnsigned(utf8(a.getKey()), utf8(b.getKey())));
            json.append('"').append(SafetensorsHeader.METADATA_KEY).append("\":{");
            for (int i = 0; i < meta.size(); i++) {
                json.append(i == 0 ? "" : ",");
                appendString(json, meta.get(i).getKey()).append(':');
                appendString(json, meta.get(i).getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, FloatTensor> e : this.tensors) {
            long bytes = (long) e.getValue().data().length * dtype.byteSize();
            json.append(json.length() == 1 ? "" : ",");
            appendString(json, e.getKey()).append(":{\"dtype\":\"").append(dtype.safetensorsName())
                    .append("\",\"shape\":[");
            long[] shape = e.getValue().shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] text = utf8(json.toString());
        int padded = (text.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header of " + padded + " bytes exceeds the "
                    + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit readers enforce; split into shards");
        }
        this.header = header;
        this.totalBytes = SafetensorsHeader.PREFIX_BYTES + (long) padded + offset;
    }

    /** Size of the whole file. */
    long totalBytes() {
        return totalBytes;
    }

    /** Writes prefix, header and data. */
    void writeTo(WritableByteChannel out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        for (int done = 0; done < header.length; ) {
            int n = Math.min(buf.remaining(), header.length - done);
            buf.put(header, done, n);
            done += n;
            if (!buf.hasRemaining()) {
                drain(buf, out);
            }
        }
        for (Map.Entry<String, FloatTensor> e : tensors) {
            float[] data = e.getValue().data();
            for (int i = 0; i < data.length; ) {
                if (buf.remaining() < dtype.byteSize()) {
                    drain(buf, out);
                }
                int n = Math.min(buf.remaining() / dtype.byteSize(), data.length - i);
                encode(data, i, n, buf);
                i += n;
            }
        }
        drain(buf, out);
    }

    private void encode(float[] data, int from, int n, ByteBuffer buf) {
        switch (dtype) {
            case F32 -> {
                buf.asFloatBuffer().put(data, from, n);
                buf.position(buf.position() + n * 4);
            }
            case F16 -> {
                for (int i = from; i < from + n; i++) {
                    buf.putShort(FloatConversions.floatToHalf(data[i]));
                }
            }
            case BF16 -> {
                for (int i = from; i < from + n; i++) {
                    buf.putShort(FloatConversions.floatToBf16(data[i]));
                }
            }
            default -> throw new IllegalStateException(dtype.name());
        }
    }

    private static void drain(ByteBuffer buf, WritableByteChannel out) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        buf.clear();
    }

    /** JSON string as serde_json writes it: short escapes where JSON has them, else lower-case \\u00XX. */
    private static StringBuilder appendString(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }

    /** Names and metadata must be encodable as UTF-8 (no unpaired surrogates), or readers would see '?'. */
    private static void checkString(String s, String what) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(s)) {
            throw new IllegalArgumentException(what + " '" + s + "' has an unpaired surrogate; it is not valid text");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
