package io.sparklora.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.EncoderLayout;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.FloatTensor;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.tensor.SafetensorsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** PEFT's adapter directory (adapter_config.json + adapter_model.safetensors), both directions. */
public final class PeftAdapterFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterFiles() {
    }

    /** The two files' contents, so callers can write them to any file system. */
    public record Encoded(byte[] configJson, byte[] weights) {
    }

    public static Encoded encode(PeftAdapter adapter, LoraPlan plan, ModelFamily family) {
        ParameterLayout layout = plan.layout();
        layout.checkSize(adapter.theta());
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (String name : layout.names()) {
            tensors.put(PeftFormat.KEY_PREFIX + name, new FloatTensor(layout.shape(name), layout.slice(adapter.theta(), name)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        if (!adapter.baseFingerprint().isEmpty()) {
            metadata.put(PeftFormat.FINGERPRINT_KEY, adapter.baseFingerprint());
        }
        byte[] weights = SafetensorsWriter.toBytes(tensors, metadata, DType.F32);
        try {
            byte[] config = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(configJson(adapter, plan, family));
            return new Encoded(config, weights);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise adapter_config.json", e);
        }
    }

    /**
     * adapter_config.json with the fields PEFT writes for a LoRA adapter: CAUSAL_LM for a decoder; SEQ_CLS for an
     * encoder, whose head PeftModelForSequenceClassification saves as modules_to_save ["classifier", "score"] (and
     * DeBERTa's "pooler").
     */
    static ObjectNode configJson(PeftAdapter adapter, LoraPlan plan, ModelFamily family) {
        LoraConfig c = plan.config();
        ObjectNode n = JSON.createObjectNode();
        n.putObject("alpha_pattern");
        n.putNull("auto_mapping");
        n.put("base_model_name_or_path", adapter.baseModelNameOrPath());
        n.put("bias", "none");
        n.put("fan_in_fan_out", family == ModelFamily.GPT2); // GPT-2's Conv1D stores [in, out]
        n.put("inference_mode", true);
        n.put("init_lora_weights", true);
        n.putNull("layers_pattern");
        n.putNull("layers_to_transform");
        if (c.alpha() == Math.rint(c.alpha())) {
            n.put("lora_alpha", (long) c.alpha());
        } else {
            n.put("lora_alpha", c.alpha());
        }
        n.put("lora_dropout", c.dropout());
        boolean seqCls = !plan.headNames().isEmpty();
        if (seqCls) {
            ArrayNode saved = n.putArray("modules_to_save");
            (family == ModelFamily.DEBERTA_V2 ? DebertaLayout.PEFT_MODULES_TO_SAVE : EncoderLayout.PEFT_MODULES_TO_SAVE)
                    .forEach(saved::add);
        } else {
            n.putNull("modules_to_save");
        }
        n.put("peft_type", "LORA");
        n.put("r", c.r());
        n.putObject("rank_pattern");
        n.putNull("revision");
        Object targets = c.targets().peftValue();
        if (targets instanceof List<?> names) {
            ArrayNode list = n.putArray("target_modules");
            names.forEach(x -> list.add(x.toString()));
        } else {
            n.put("target_modules", targets.toString());
        }
        n.put("task_type", seqCls ? PeftFormat.TASK_SEQ_CLS : PeftFormat.TASK_CAUSAL_LM);
        n.put("use_dora", false);
        n.put("use_rslora", c.useRslora());
        return n;
    }

    public static void write(Path dir, PeftAdapter adapter, LoraPlan plan, ModelFamily family) throws IOException {
        Encoded e = encode(adapter, plan, family);
        Files.createDirectories(dir);
        Files.write(dir.resolve(PeftFormat.WEIGHTS_FILE), e.weights());
        Files.write(dir.resolve(PeftFormat.CONFIG_FILE), e.configJson());
    }

    /** An adapter read back, with the plan its configuration resolves to on the given base layout. */
    public record Loaded(PeftAdapter adapter, LoraPlan plan) {
        /** Refuses an adapter recorded for another base: different fingerprint. */
        public Loaded verifiedFor(BaseModel base) {
            String recorded = adapter.baseFingerprint();
            if (!recorded.isEmpty() && !recorded.equals(base.fingerprint())) {
                throw new IllegalArgumentException("this adapter was trained on a different base model (fingerprint "
                        + recorded + ", this base is " + base.fingerprint() + "; adapter says base_model_name_or_path \""
                        + adapter.baseModelNameOrPath() + "\"); load it onto the base it was trained on");
            }
            return this;
        }
    }

    public static Loaded read(Path dir, ModelLayout model) throws IOException {
        Path configFile = dir.resolve(PeftFormat.CONFIG_FILE);
        Path weightsFile = dir.resolve(PeftFormat.WEIGHTS_FILE);
        for (Path p : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " not found: a PEFT adapter directory holds " + PeftFormat.CONFIG_FILE
                        + " and " + PeftFormat.WEIGHTS_FILE);
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(configFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(configFile + " is not valid JSON: " + e.getMessage(), e);
        }
        LoraPlan plan;
        try {
            checkTaskType(root, model);
            plan = LoraPlan.of(parseConfig(root), model);
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            float[] theta = readTheta(file, plan.layout());
            String fingerprint = file.metadata().getOrDefault(PeftFormat.FINGERPRINT_KEY, "");
            return new Loaded(new PeftAdapter(plan.config(), theta, root.path("base_model_name_or_path").asText(""),
                    fingerprint), plan);
        }
    }

    /** A SEQ_CLS adapter belongs on an encoder, any other on a decoder (PEFT writes CAUSAL_LM, or no task type). */
    private static void checkTaskType(JsonNode root, ModelLayout model) {
        String task = root.path("task_type").asText("");
        boolean encoder = model.config().family().isEncoder();
        if (encoder && !task.equals(PeftFormat.TASK_SEQ_CLS)) {
            throw new IllegalArgumentException("task_type is \"" + task + "\" but " + model.config().modelType()
                    + " is a sequence classifier: its adapters have task_type " + PeftFormat.TASK_SEQ_CLS);
        }
        if (!encoder && task.equals(PeftFormat.TASK_SEQ_CLS)) {
            throw new IllegalArgumentException("task_type " + PeftFormat.TASK_SEQ_CLS + " is a sequence-classification adapter; "
                    + model.config().modelType() + " is a decoder (task_type " + PeftFormat.TASK_CAUSAL_LM + ")");
        }
    }

    static LoraConfig parseConfig(JsonNode root) {
        if (!root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        String type = root.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new IllegalArgumentException("peft_type is \"" + type + "\"; only LORA adapters are supported");
        }
        String bias = root.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new IllegalArgumentException("bias \"" + bias + "\" is not supported; SparkLoRA adapters train no biases (bias: none)");
        }
        if (root.path("use_dora").asBoolean(false)) {
            throw new IllegalArgumentException("use_dora is true; DoRA adapters are not supported");
        }
        JsonNode r = root.get("r");
        JsonNode alpha = root.get("lora_alpha");
        if (r == null || !r.isIntegralNumber()) {
            throw new IllegalArgumentException("field \"r\" must be an integer, got " + r);
        }
        if (alpha == null || !alpha.isNumber()) {
            throw new IllegalArgumentException("field \"lora_alpha\" must be a number, got " + alpha);
        }
        JsonNode targets = root.get("target_modules");
        TargetModules t;
        if (targets == null || targets.isNull()) {
            t = null;
        } else if (targets.isArray()) {
            List<String> names = new ArrayList<>();
            targets.forEach(x -> names.add(x.asText()));
            t = new TargetModules.Names(names);
        } else if (targets.isTextual()) {
            t = targets.asText().equals(TargetModules.ALL_LINEAR) ? new TargetModules.AllLinear()
                    : new TargetModules.Regex(targets.asText());
        } else {
            throw new IllegalArgumentException("field \"target_modules\" must be a list or a string, got " + targets);
        }
        return new LoraConfig(r.asInt(), alpha.asDouble(), root.path("lora_dropout").asDouble(0.0), t,
                root.path("use_rslora").asBoolean(false), LoraConfig.DEFAULT_SEED);
    }

    private static float[] readTheta(SafetensorsFile file, ParameterLayout layout) throws IOException {
        float[] theta = new float[layout.size()];
        Set<String> missing = new LinkedHashSet<>(layout.names());
        List<String> unexpected = new ArrayList<>();
        for (String key : file.names()) {
            String name = key.startsWith(PeftFormat.KEY_PREFIX) ? key.substring(PeftFormat.KEY_PREFIX.length()) : key;
            if (!missing.contains(name)) {
                unexpected.add(key);
                continue;
            }
            long[] found = file.info(key).shape();
            if (!Arrays.equals(found, layout.shape(name))) {
                throw new IOException(file.path() + ": tensor " + key + " has shape " + Arrays.toString(found)
                        + " but this base model and r need " + Arrays.toString(layout.shape(name))
                        + "; the adapter was trained for a different base or rank");
            }
            float[] values = file.readFloats(key);
            System.arraycopy(values, 0, theta, layout.offset(name), values.length);
            missing.remove(name);
        }
        if (!unexpected.isEmpty()) {
            throw new IOException(file.path() + ": tensor(s) " + preview(unexpected) + " do not belong to this base model's "
                    + "adapted modules (expected keys like " + PeftFormat.KEY_PREFIX + layout.names().get(0) + ")");
        }
        if (!missing.isEmpty()) {
            throw new IOException(file.path() + ": missing adapter tensor(s) " + preview(new ArrayList<>(missing))
                    + " that adapter_config.json's target_modules require");
        }
        return theta;
    }

    private static String preview(List<String> names) {
        return names.size() <= 4 ? names.toString() : names.subList(0, 4) + " and " + (names.size() - 4) + " more";
    }
}
