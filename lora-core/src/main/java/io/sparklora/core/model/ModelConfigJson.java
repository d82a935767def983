package io.sparklora.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads and writes Hugging Face {@code config.json} files for the supported families, decoders and encoders. */
public final class ModelConfigJson {
    public static final String FILE_NAME = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelConfigJson() {
    }

    public static ModelConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " not found: a model directory needs the Hugging Face config.json beside its safetensors");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    public static ModelConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        Fields f = new Fields(root, source);
        String modelType = f.requiredText("model_type");
        ModelFamily family = ModelFamily.forModelType(modelType, source);
        return switch (family) {
            case GPT2 -> parseGpt2(f, modelType);
            case LLAMA -> parseLlama(f, modelType);
            case BERT, ROBERTA -> parseEncoder(f, modelType, family);
            case DEBERTA_V2 -> DebertaConfigJson.parse(f, modelType);
        };
    }

    private static ModelConfig parseGpt2(Fields f, String modelType) {
        String act = f.optionalText("activation_function", "gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new IllegalArgumentException(f.source + ": activation_function \"" + act
                    + "\" is not supported for gpt2; supported: gelu_new, gelu_pytorch_tanh (the tanh approximation)");
        }
        int hidden = f.requiredInt("n_embd");
        int heads = f.requiredInt("n_head");
        int inner = f.root.hasNonNull("n_inner") ? f.requiredInt("n_inner") : 4 * hidden;
        if (heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException(f.source + ": n_embd (" + hidden + ") must be divisible by n_head (" + heads + ")");
        }
        return new ModelConfig(ModelFamily.GPT2, modelType, f.requiredInt("vocab_size"), hidden, f.requiredInt("n_layer"),
                heads, heads, hidden / heads, inner, f.requiredInt("n_positions"),
                f.optionalDouble("layer_norm_epsilon", 1e-5), 0.0, f.optionalBool("tie_word_embeddings", true),
                true, true, true, 0);
    }

    private static ModelConfig parseLlama(Fields f, String modelType) {
        String act = f.optionalText("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(f.source + ": hidden_act \"" + act + "\" is not supported; supported: silu");
        }
        double partialRotary = f.optionalDouble("partial_rotary_factor", 1.0);
        if (partialRotary != 1.0) {
            throw new IllegalArgumentException(f.source + ": partial_rotary_factor " + partialRotary + " is not supported: "
                    + "SparkLoRA rotates the whole head (partial_rotary_factor 1.0)");
        }
        RopeScaling ropeScaling = RopeScalingJson.parse(RopeScalingJson.node(f.root), f.requiredInt("max_position_embeddings"),
                f.source);
        int hidden = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        int kvHeads = f.root.hasNonNull("num_key_value_heads") ? f.requiredInt("num_key_value_heads") : heads;
        if (!f.root.hasNonNull("head_dim") && heads > 0 && hidden % heads != 0) {
            throw new IllegalArgumentException(f.source + ": hidden_size (" + hidden + ") is not divisible by "
                    + "num_attention_heads (" + heads + ") and there is no head_dim; add the checkpoint's head_dim");
        }
        int headDim = f.root.hasNonNull("head_dim") ? f.requiredInt("head_dim") : (heads > 0 ? hidden / heads : 0);
        boolean qwen2 = modelType.equalsIgnoreCase("qwen2");
        boolean attentionBias = f.optionalBool("attention_bias", false);
        int slidingWindow = 0;
        boolean slidingEnabled = f.optionalBool("use_sliding_window", !qwen2);
        if (slidingEnabled && f.root.hasNonNull("sliding_window")) {
            slidingWindow = f.requiredInt("sliding_window");
        }
        return new ModelConfig(ModelFamily.LLAMA, modelType, f.requiredInt("vocab_size"), hidden,
                f.requiredInt("num_hidden_layers"), heads, kvHeads, headDim, f.requiredInt("intermediate_size"),
                f.requiredInt("max_position_embeddings"), f.optionalDouble("rms_norm_eps", 1e-6),
                RopeScalingJson.theta(f.root, f.source), f.optionalBool("tie_word_embeddings", false),
                qwen2 || attentionBias, attentionBias, f.optionalBool("mlp_bias", false), slidingWindow, ropeScaling);
    }

    private static ModelConfig parseEncoder(Fields f, String modelType, ModelFamily family) {
        String act = f.optionalText("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw new IllegalArgumentException(f.source + ": hidden_act \"" + act + "\" is not supported for " + modelType
                    + "; supported: gelu (the exact erf form)");
        }
        String positions = f.optionalText("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw new IllegalArgumentException(f.source + ": position_embedding_type \"" + positions
                    + "\" is not supported; supported: absolute");
        }
        EncoderConfig encoder = encoderHead(f, f.requiredInt("type_vocab_size"),
                f.root.hasNonNull("pad_token_id") ? f.requiredInt("pad_token_id") : (family == ModelFamily.BERT ? 0 : 1), null);
        return ModelConfig.encoder(family, modelType, f.requiredInt("vocab_size"), f.requiredInt("hidden_size"),
                f.requiredInt("num_hidden_layers"), f.requiredInt("num_attention_heads"), f.requiredInt("intermediate_size"),
                f.requiredInt("max_position_embeddings"), f.optionalDouble("layer_norm_eps", 1e-12), encoder);
    }

    /** The class names in id order from id2label (ids 0 … n−1, each once), else num_labels, else Hugging Face's 2. */
    static List<String> labels(Fields f) {
        JsonNode map = f.root.get("id2label");
        if (map == null || map.isNull()) {
            return EncoderConfig.defaultLabels(f.root.hasNonNull("num_labels") ? f.requiredInt("num_labels") : 2);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new IllegalArgumentException(f.source + ": id2label must be a non-empty object of id -> label name, got " + map);
        }
        String[] names = new String[map.size()];
        map.fields().forEachRemaining(e -> {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                id = -1;
            }
            if (id < 0 || id >= names.length || names[id] != null || !e.getValue().isTextual()) {
                throw new IllegalArgumentException(f.source + ": id2label must map the ids 0 … " + (names.length - 1)
                        + " once each to a name; entry \"" + e.getKey() + "\": " + e.getValue() + " does not fit");
            }
            names[id] = e.getValue().asText();
        });
        return List.of(names);
    }

    /** The config.json text Hugging Face transformers would write for this configuration. */
    public static ObjectNode toJson(ModelConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", c.modelType());
        n.put("vocab_size", c.vocabSize());
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        switch (c.family()) {
            case GPT2 -> {
                n.putArray("architectures").add("GPT2LMHeadModel");
                n.put("n_embd", c.hiddenSize());
                n.put("n_layer", c.numLayers());
                n.put("n_head", c.numHeads());
                n.put("n_inner", c.intermediateSize());
                n.put("n_positions", c.maxPositions());
                n.put("n_ctx", c.maxPositions());
                n.put("layer_norm_epsilon", c.normEps());
                n.put("activation_function", "gelu_new");
            }
            case LLAMA -> {
                n.putArray("architectures").add(switch (c.modelType()) {
                    case "mistral" -> "MistralForCausalLM";
                    case "qwen2" -> "Qwen2ForCausalLM";
                    default -> "LlamaForCausalLM";
                });
                n.put("hidden_size", c.hiddenSize());
                n.put("num_hidden_layers", c.numLayers());
                n.put("num_attention_heads", c.numHeads());
                n.put("num_key_value_heads", c.numKvHeads());
                n.put("head_dim", c.headDim());
                n.put("intermediate_size", c.intermediateSize());
                n.put("max_position_embeddings", c.maxPositions());
                n.put("rms_norm_eps", c.normEps());
                n.put("rope_theta", c.ropeTheta());
                RopeScalingJson.write(c.ropeScaling(), n);
                n.put("hidden_act", "silu");
                if (!c.modelType().equals("qwen2")) {
                    n.put("attention_bias", c.qkvBias());
                }
                n.put("mlp_bias", c.mlpBias());
                if (c.slidingWindow() > 0) {
                    n.put("sliding_window", c.slidingWindow());
                }
            }
            case BERT, ROBERTA -> {
                EncoderConfig e = c.encoderConfig();
                n.putArray("architectures").add(c.family() == ModelFamily.BERT ? "BertForSequenceClassification"
                        : c.modelType().equals("xlm-roberta") ? "XLMRobertaForSequenceClassification"
                        : "RobertaForSequenceClassification");
                n.put("hidden_size", c.hiddenSize());
                n.put("num_hidden_layers", c.numLayers());
                n.put("num_attention_heads", c.numHeads());
                n.put("intermediate_size", c.intermediateSize());
                n.put("max_position_embeddings", c.maxPositions());
                n.put("type_vocab_size", e.typeVocabSize());
                n.put("pad_token_id", e.padTokenId());
                n.put("layer_norm_eps", c.normEps());
                n.put("hidden_act", "gelu");
                n.put("position_embedding_type", "absolute");
                n.put("initializer_range", e.initializerRange());
                n.put("hidden_dropout_prob", 0.1);
                n.put("attention_probs_dropout_prob", 0.1);
                writeHead(e, n);
            }
            case DEBERTA_V2 -> DebertaConfigJson.write(c, n);
        }
        n.put("torch_dtype", "float32");
        return n;
    }

    /** The classification head's fields: id2label, label2id, problem_type. */
    static void writeHead(EncoderConfig e, ObjectNode n) {
        ObjectNode id2label = n.putObject("id2label");
        ObjectNode label2id = n.putObject("label2id");
        for (int i = 0; i < e.numLabels(); i++) {
            id2label.put(Integer.toString(i), e.labels().get(i));
            label2id.put(e.labels().get(i), i);
        }
        n.put("problem_type", e.problemType().hfName());
    }

    /** The head of an encoder's config.json: id2label (or num_labels) and problem_type. */
    static EncoderConfig encoderHead(Fields f, int typeVocabSize, int padTokenId, DebertaSettings deberta) {
        List<String> labels = labels(f);
        ProblemType problem = f.root.hasNonNull("problem_type")
                ? ProblemType.parse(f.requiredText("problem_type"), f.source) : ProblemType.defaultFor(labels.size());
        return new EncoderConfig(typeVocabSize, padTokenId, labels, problem, f.optionalDouble("initializer_range", 0.02),
                deberta);
    }

    public static void write(ModelConfig config, Path modelDir) throws IOException {
        Files.createDirectories(modelDir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(modelDir.resolve(FILE_NAME).toFile(), toJson(config));
    }

    /** Typed field access whose errors name the file and the field. */
    record Fields(JsonNode root, String source) {
        String requiredText(String name) {
            JsonNode v = root.get(name);
            if (v == null || !v.isTextual()) {
                throw new IllegalArgumentException(source + ": field \"" + name + "\" must be a string"
                        + (v == null ? " but is missing" : ", got " + v));
            }
            return v.asText();
        }

        String optionalText(String name, String dflt) {
            return root.hasNonNull(name) ? requiredText(name) : dflt;
        }

        int requiredInt(String name) {
            JsonNode v = root.get(name);
            if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
                throw new IllegalArgumentException(source + ": field \"" + name + "\" must be an integer"
                        + (v == null ? " but is missing" : ", got " + v));
            }
            return v.asInt();
        }

        double optionalDouble(String name, double dflt) {
            JsonNode v = root.get(name);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw new IllegalArgumentException(source + ": field \"" + name + "\" must be a number, got " + v);
            }
            return v.asDouble();
        }

        int optionalInt(String name, int dflt) {
            return root.hasNonNull(name) ? requiredInt(name) : dflt;
        }

        boolean optionalBool(String name, boolean dflt) {
            JsonNode v = root.get(name);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(source + ": field \"" + name + "\" must be true or false, got " + v);
            }
            return v.asBoolean();
        }
    }
}
