package io.sparklora.core.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict JSON parsing of untrusted headers and index files. */
final class Json {

    /**
     * Duplicate keys and trailing content are errors rather than silently resolved, so a file
     * cannot mean one thing to us and another to a different reader. Stream read constraints
     * (nesting depth, number and string lengths) stay at Jackson's defaults.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Strict UTF-8 decoding: malformed bytes are an error, not silently replaced. */
    static String utf8(byte[] bytes, String what) throws SafetensorsException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(what + " is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    /** The JSON object in {@code text}; {@code what} names it (file and part) in errors. */
    static JsonNode parseObject(String text, String what) throws SafetensorsException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (IOException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException p
                    ? p.getOriginalMessage() + " at " + location(p)
                    : e.getMessage();
            throw new SafetensorsException(what + " is not valid JSON: " + detail, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new SafetensorsException(what + " is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw new SafetensorsException(what + ": expected a JSON object, found " + kind(root));
        }
        return root;
    }

    /** "string", "number", ... for messages about wrong JSON types. */
    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number (" + node.asText() + ")";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case BINARY, MISSING -> "nothing";
        };
    }

    private static String location(com.fasterxml.jackson.core.JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null ? "unknown position" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
