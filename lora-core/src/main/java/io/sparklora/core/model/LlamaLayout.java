package io.sparklora.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** LLaMA's tensor names ({@code model.layers.N...}), shared by Mistral and Qwen2; nn.Linear weights are [out, in]. */
public record LlamaLayout(ModelConfig config) implements ModelLayout {
    public static String layer(int i) {
        return "model.layers." + i + ".";
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        int h = config.hiddenSize();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {config.vocabSize(), h});
        for (int i = 0; i < config.numLayers(); i++) {
            shapes.put(layer(i) + "input_layernorm.weight", new long[] {h});
            List<LinearModule> modules = layerModules(i);
            for (LinearModule m : modules.subList(0, 4)) {
                Gpt2Layout.putLinear(shapes, m);
            }
            shapes.put(layer(i) + "post_attention_layernorm.weight", new long[] {h});
            for (LinearModule m : modules.subList(4, 7)) {
                Gpt2Layout.putLinear(shapes, m);
            }
        }
        shapes.put("model.norm.weight", new long[] {h});
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new long[] {config.vocabSize(), h});
        }
        return shapes;
    }

    /** q, k, v, o projections, then gate, up, down of layer i. */
    @Override
    public List<LinearModule> layerModules(int i) {
        int h = config.hiddenSize();
        String a = layer(i) + "self_attn.";
        String m = layer(i) + "mlp.";
        int inter = config.intermediateSize();
        return List.of(
                new LinearModule(a + "q_proj", h, config.qDim(), config.qkvBias(), false),
                new LinearModule(a + "k_proj", h, config.kvDim(), config.qkvBias(), false),
                new LinearModule(a + "v_proj", h, config.kvDim(), config.qkvBias(), false),
                new LinearModule(a + "o_proj", config.qDim(), h, config.outputProjBias(), false),
                new LinearModule(m + "gate_proj", h, inter, config.mlpBias(), false),
                new LinearModule(m + "up_proj", h, inter, config.mlpBias(), false),
                new LinearModule(m + "down_proj", inter, h, config.mlpBias(), false));
    }

    @Override
    public Optional<String> canonicalName(String name) {
        if (name.endsWith(".rotary_emb.inv_freq")) {
            return Optional.empty(); // recomputed from rope_theta
        }
        if (config.tieWordEmbeddings() && name.equals("lm_head.weight")) {
            return Optional.empty();
        }
        return Optional.of(name);
    }

    @Override
    public String embeddingName() {
        return "model.embed_tokens.weight";
    }

    @Override
    public String outputHeadName() {
        return config.tieWordEmbeddings() ? embeddingName() : "lm_head.weight";
    }
}
