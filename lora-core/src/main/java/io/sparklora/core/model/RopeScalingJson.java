package io.sparklora.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * config.json's {@code rope_scaling} object (transformers 5 writes it as {@code rope_parameters}, with rope_theta
 * inside), read the way transformers reads it: the type under {@code rope_type} (or the older {@code type}), the
 * type's own fields required, other fields ignored as transformers ignores them.
 */
final class RopeScalingJson {
    static final String FIELD = "rope_scaling";
    static final String V5_FIELD = "rope_parameters";

    private RopeScalingJson() {
    }

    /** The config's rope object: rope_scaling, else rope_parameters, else null. */
    static JsonNode node(JsonNode config) {
        JsonNode n = config.get(FIELD);
        return n != null && !n.isNull() ? n : config.get(V5_FIELD);
    }

    /** rope_theta: top level, else inside rope_parameters, else transformers' default 10000. */
    static double theta(JsonNode config, String source) {
        JsonNode top = config.get("rope_theta");
        JsonNode inside = node(config) == null ? null : node(config).get("rope_theta");
        JsonNode v = top != null && !top.isNull() ? top : inside;
        if (v == null || v.isNull()) {
            return 10000.0;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(source + ": field \"rope_theta\" must be a number, got " + v);
        }
        return v.asDouble();
    }

    /**
     * null, absent or rope_type "default": plain rotary embeddings. llama3 without original_max_position_embeddings
     * takes max_position_embeddings, as transformers does.
     */
    static RopeScaling parse(JsonNode node, int maxPositions, String source) {
        if (node == null || node.isNull()) {
            return RopeScaling.NONE;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(source + ": " + FIELD + " must be an object or null, got " + node);
        }
        String type = type(node, source);
        try {
            return switch (type) {
                case "default" -> RopeScaling.NONE;
                case "linear" -> RopeScaling.linear(number(node, "factor", source));
                case "llama3" -> RopeScaling.llama3(number(node, "factor", source), number(node, "low_freq_factor", source),
                        number(node, "high_freq_factor", source), node.hasNonNull("original_max_position_embeddings")
                                ? integer(node, "original_max_position_embeddings", source) : maxPositions);
                default -> throw new IllegalArgumentException(source + ": " + FIELD + " type \"" + type
                        + "\" is not supported: SparkLoRA computes the rotary frequencies of linear and llama3 "
                        + "(and default, no scaling) only; use a checkpoint whose rope_scaling is one of them");
            };
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e : new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static String type(JsonNode node, String source) {
        JsonNode ropeType = node.get("rope_type");
        JsonNode legacy = node.get("type");
        if (ropeType != null && legacy != null && !ropeType.equals(legacy)) {
            throw new IllegalArgumentException(source + ": " + FIELD + " has rope_type " + ropeType + " and type " + legacy
                    + "; they must agree (rope_type is the current name)");
        }
        JsonNode t = ropeType != null ? ropeType : legacy;
        if (t == null || !t.isTextual()) {
            throw new IllegalArgumentException(source + ": " + FIELD + ".rope_type must be a string"
                    + (t == null ? " but is missing" : ", got " + t) + ", e.g. \"llama3\" or \"linear\"");
        }
        return t.asText();
    }

    private static double number(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(source + ": " + FIELD + "." + field + " must be a number"
                    + (v == null ? " but is missing" : ", got " + v));
        }
        return v.asDouble();
    }

    private static int integer(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(source + ": " + FIELD + "." + field + " must be an integer"
                    + (v == null ? " but is missing" : ", got " + v));
        }
        return v.asInt();
    }

    /** Adds the rope_scaling object transformers writes, nothing for plain rotary embeddings. */
    static void write(RopeScaling s, ObjectNode config) {
        if (s.type() == RopeScaling.Type.NONE) {
            return;
        }
        ObjectNode n = config.putObject(FIELD);
        n.put("rope_type", s.type().jsonName);
        n.put("factor", s.factor());
        if (s.type() == RopeScaling.Type.LLAMA3) {
            n.put("low_freq_factor", s.lowFreqFactor());
            n.put("high_freq_factor", s.highFreqFactor());
            n.put("original_max_position_embeddings", s.originalMaxPositions());
        }
    }
}
