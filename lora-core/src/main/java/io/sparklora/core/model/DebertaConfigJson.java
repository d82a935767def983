package io.sparklora.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DeBERTa-v2/v3's config.json (model_type deberta-v2), with transformers' defaults for absent fields. What the
 * engine does not compute is refused by field name rather than approximated.
 */
final class DebertaConfigJson {
    private DebertaConfigJson() {
    }

    static ModelConfig parse(ModelConfigJson.Fields f, String modelType) {
        String act = f.optionalText("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw new IllegalArgumentException(f.source() + ": hidden_act \"" + act + "\" is not supported for " + modelType
                    + "; supported: gelu (the exact erf form)");
        }
        String poolerAct = f.optionalText("pooler_hidden_act", "gelu");
        if (!poolerAct.equals("gelu") && !poolerAct.equals("tanh")) {
            throw new IllegalArgumentException(f.source() + ": pooler_hidden_act \"" + poolerAct
                    + "\" is not supported; supported: gelu, tanh");
        }
        if (!f.optionalBool("relative_attention", false)) {
            throw new IllegalArgumentException(f.source() + ": relative_attention is false; SparkLoRA computes DeBERTa "
                    + "with its relative-position attention only (relative_attention: true, as v2 and v3 checkpoints have)");
        }
        if (!f.optionalBool("share_att_key", false)) {
            throw new IllegalArgumentException(f.source() + ": share_att_key is false (separate pos_key_proj / "
                    + "pos_query_proj); SparkLoRA supports DeBERTa with share_att_key: true (v2 and v3 checkpoints)");
        }
        int conv = f.optionalInt("conv_kernel_size", 0);
        if (conv > 0) {
            throw new IllegalArgumentException(f.source() + ": conv_kernel_size " + conv + " asks for the convolution "
                    + "layer (encoder.conv) after the first layer, which SparkLoRA does not implement; DeBERTa-v3 "
                    + "checkpoints have none");
        }
        int hidden = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        for (String field : List.of("embedding_size", "pooler_hidden_size")) {
            if (f.root().hasNonNull(field) && f.requiredInt(field) != hidden) {
                throw new IllegalArgumentException(f.source() + ": " + field + " " + f.requiredInt(field) + " differs from "
                        + "hidden_size " + hidden + ", which SparkLoRA does not support");
            }
        }
        if (heads > 0 && f.root().hasNonNull("attention_head_size") && f.requiredInt("attention_head_size") * heads != hidden) {
            throw new IllegalArgumentException(f.source() + ": attention_head_size " + f.requiredInt("attention_head_size")
                    + " is not hidden_size / num_attention_heads, which SparkLoRA does not support");
        }
        List<String> posAtt = listField(f, "pos_att_type", "|");
        for (String t : posAtt) {
            if (!t.equals("c2p") && !t.equals("p2c")) {
                throw new IllegalArgumentException(f.source() + ": pos_att_type \"" + t + "\" is not supported; "
                        + "supported: c2p, p2c");
            }
        }
        List<String> norm = listField(f, "norm_rel_ebd", "|");
        for (String t : norm) {
            if (!t.equals("none") && !t.equals("layer_norm")) {
                throw new IllegalArgumentException(f.source() + ": norm_rel_ebd \"" + t + "\" is not supported; "
                        + "supported: none, layer_norm");
            }
        }
        int maxPositions = f.optionalInt("max_position_embeddings", 512);
        int maxRelative = f.optionalInt("max_relative_positions", -1);
        DebertaSettings settings = new DebertaSettings(f.optionalBool("position_biased_input", true),
                f.optionalInt("position_buckets", -1), maxRelative < 1 ? maxPositions : maxRelative,
                posAtt.contains("c2p"), posAtt.contains("p2c"), norm.contains("layer_norm"), poolerAct.equals("gelu"));
        EncoderConfig encoder = ModelConfigJson.encoderHead(f, f.optionalInt("type_vocab_size", 0),
                f.optionalInt("pad_token_id", 0), settings);
        return ModelConfig.encoder(ModelFamily.DEBERTA_V2, modelType, f.requiredInt("vocab_size"), hidden,
                f.requiredInt("num_hidden_layers"), heads, f.requiredInt("intermediate_size"), maxPositions,
                f.optionalDouble("layer_norm_eps", 1e-7), encoder);
    }

    /** A list of names, or the older single string joined by {@code separator}; lower-cased as transformers does. */
    private static List<String> listField(ModelConfigJson.Fields f, String name, String separator) {
        JsonNode v = f.root().get(name);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isTextual()) {
            for (String s : v.asText().toLowerCase(Locale.ROOT).split(java.util.regex.Pattern.quote(separator))) {
                out.add(s.strip());
            }
        } else if (v.isArray()) {
            v.forEach(e -> out.add(e.asText().strip().toLowerCase(Locale.ROOT)));
        } else {
            throw new IllegalArgumentException(f.source() + ": field \"" + name + "\" must be a list or a \"" + separator
                    + "\"-separated string, got " + v);
        }
        return out;
    }

    static void write(ModelConfig c, ObjectNode n) {
        EncoderConfig e = c.encoderConfig();
        DebertaSettings d = e.deberta();
        n.putArray("architectures").add("DebertaV2ForSequenceClassification");
        n.put("hidden_size", c.hiddenSize());
        n.put("num_hidden_layers", c.numLayers());
        n.put("num_attention_heads", c.numHeads());
        n.put("intermediate_size", c.intermediateSize());
        n.put("max_position_embeddings", c.maxPositions());
        n.put("type_vocab_size", e.typeVocabSize());
        n.put("pad_token_id", e.padTokenId());
        n.put("layer_norm_eps", c.normEps());
        n.put("hidden_act", "gelu");
        n.put("pooler_hidden_act", d.poolerGelu() ? "gelu" : "tanh");
        n.put("pooler_hidden_size", c.hiddenSize());
        n.put("pooler_dropout", 0);
        n.put("relative_attention", true);
        n.put("share_att_key", true);
        n.put("position_biased_input", d.positionBiasedInput());
        n.put("position_buckets", d.positionBuckets());
        n.put("max_relative_positions", d.maxRelativePositions());
        ArrayNode posAtt = n.putArray("pos_att_type");
        if (d.p2c()) {
            posAtt.add("p2c");
        }
        if (d.c2p()) {
            posAtt.add("c2p");
        }
        n.put("norm_rel_ebd", d.normRelEmbeddings() ? "layer_norm" : "none");
        n.put("initializer_range", e.initializerRange());
        n.put("hidden_dropout_prob", 0.1);
        n.put("attention_probs_dropout_prob", 0.1);
        ModelConfigJson.writeHead(e, n);
    }
}
