package io.sparklora.core.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed and fully validated safetensors header: every entry is well-formed, lies inside the
 * data buffer and overlaps no other entry, so reads never need to check again.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** Length of the little-endian u64 header-size prefix. */
    static final int PREFIX_BYTES = 8;
    /** Largest header accepted, checked before allocating (safetensors itself stops at 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    static final String METADATA_KEY = "__metadata__";

    SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Checks the header-size prefix against the file size, returning the header length.
     *
     * @param fileSize total bytes available (prefix + header + data)
     * @param prefix the first 8 bytes, or fewer if the file is shorter
     */
    static int headerLength(String source, long fileSize, ByteBuffer prefix) throws SafetensorsException {
        if (fileSize < PREFIX_BYTES) {
            throw SafetensorsException.inFile(source, "file is " + fileSize + " bytes, shorter than the "
                    + PREFIX_BYTES + "-byte header length prefix; it is not a safetensors file or is truncated");
        }
        long n = prefix.order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n == 0) {
            throw SafetensorsException.inFile(source, "header length is 0; a safetensors header is at least '{}'");
        }
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw SafetensorsException.inFile(source, "header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes; the file is corrupt or not safetensors");
        }
        if (n > fileSize - PREFIX_BYTES) {
            throw SafetensorsException.inFile(source, "header length " + n + " runs past the end of the "
                    + fileSize + "-byte file; the file is truncated");
        }
        return (int) n;
    }

    /** Parses and validates header bytes; {@code dataLength} is the size of the data buffer after them. */
    static SafetensorsHeader parse(String source, byte[] header, long dataLength) throws SafetensorsException {
        String text = Json.utf8(header, source + ": header");
        JsonNode root = Json.parseObject(text, source + ": header");

        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(source, field.getValue());
            } else {
                TensorInfo info = parseEntry(source, field.getKey(), field.getValue());
                if (info.end() > dataLength) {
                    throw SafetensorsException.inTensor(source, info.name(), "data_offsets end " + info.end()
                            + " is past the end of the " + dataLength + "-byte data buffer; the file is truncated"
                            + " or its offsets are wrong");
                }
                tensors.put(info.name(), info);
            }
        }
        checkNoOverlap(source, tensors.values());
        return new SafetensorsHeader(tensors, metadata);
    }

    private static Map<String, String> parseMetadata(String source, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw SafetensorsException.inFile(source, METADATA_KEY + " must be an object of strings, found "
                    + Json.kind(node));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw SafetensorsException.inFile(source, METADATA_KEY + " value of '" + e.getKey()
                        + "' must be a string, found " + Json.kind(e.getValue()));
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseEntry(String source, String name, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw SafetensorsException.inTensor(source, name,
                    "expected an object with dtype, shape and data_offsets, found " + Json.kind(node));
        }
        JsonNode dtypeNode = required(source, name, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw SafetensorsException.inTensor(source, name, "dtype must be a string, found " + Json.kind(dtypeNode));
        }
        DType dtype = DType.parse(dtypeNode.textValue(), source + ": tensor '" + name + "'");
        long[] shape = longs(source, name, required(source, name, node, "shape"), "shape", -1);
        long[] offsets = longs(source, name, required(source, name, node, "data_offsets"), "data_offsets", 2);
        String problem = TensorInfo.problem(name, dtype, shape, offsets[0], offsets[1]);
        if (problem != null) {
            throw SafetensorsException.inTensor(source, name, problem);
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static JsonNode required(String source, String name, JsonNode node, String field)
            throws SafetensorsException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw SafetensorsException.inTensor(source, name, "missing '" + field + "'; each entry needs dtype, "
                    + "shape and data_offsets");
        }
        return value;
    }

    /** A JSON array of non-negative integers that fit in a long; {@code length} -1 means any. */
    private static long[] longs(String source, String name, JsonNode node, String field, int length)
            throws SafetensorsException {
        String expected = field + " must be an array of " + (length < 0 ? "" : length + " ") + "non-negative integers";
        if (!node.isArray()) {
            throw SafetensorsException.inTensor(source, name, expected + ", found " + Json.kind(node));
        }
        if (length >= 0 && node.size() != length) {
            throw SafetensorsException.inTensor(source, name, expected + ", found " + node.size() + " values");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw SafetensorsException.inTensor(source, name, expected + ", found " + Json.kind(v)
                        + " in " + node);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Non-empty tensors must occupy disjoint byte ranges; a shared range would alias two tensors. */
    private static void checkNoOverlap(String source, Iterable<TensorInfo> infos) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo t : infos) {
            if (t.byteLength() > 0) {
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        TensorInfo furthest = null;
        for (TensorInfo t : sorted) {
            if (furthest != null && t.begin() < furthest.end()) {
                throw SafetensorsException.inFile(source, "tensors '" + furthest.name() + "' (data_offsets ["
                        + furthest.begin() + ", " + furthest.end() + "]) and '" + t.name() + "' (data_offsets ["
                        + t.begin() + ", " + t.end() + "]) overlap; each tensor needs its own bytes");
            }
            if (furthest == null || t.end() > furthest.end()) {
                furthest = t;
            }
        }
    }
}
