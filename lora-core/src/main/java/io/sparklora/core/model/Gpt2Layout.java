package io.sparklora.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** GPT-2's tensor names ({@code transformer.h.N...}); Conv1D weights are stored [in, out]. */
public record Gpt2Layout(ModelConfig config) implements ModelLayout {
    static final String PREFIX = "transformer.";

    public static String layer(int i) {
        return PREFIX + "h." + i + ".";
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        int h = config.hiddenSize();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(PREFIX + "wte.weight", new long[] {config.vocabSize(), h});
        shapes.put(PREFIX + "wpe.weight", new long[] {config.maxPositions(), h});
        for (int i = 0; i < config.numLayers(); i++) {
            shapes.put(layer(i) + "ln_1.weight", new long[] {h});
            shapes.put(layer(i) + "ln_1.bias", new long[] {h});
            for (LinearModule m : layerModules(i).subList(0, 2)) {
                putLinear(shapes, m);
            }
            shapes.put(layer(i) + "ln_2.weight", new long[] {h});
            shapes.put(layer(i) + "ln_2.bias", new long[] {h});
            for (LinearModule m : layerModules(i).subList(2, 4)) {
                putLinear(shapes, m);
            }
        }
        shapes.put(PREFIX + "ln_f.weight", new long[] {h});
        shapes.put(PREFIX + "ln_f.bias", new long[] {h});
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new long[] {config.vocabSize(), h});
        }
        return shapes;
    }

    static void putLinear(LinkedHashMap<String, long[]> shapes, LinearModule m) {
        shapes.put(m.weightName(), m.weightShape());
        if (m.hasBias()) {
            shapes.put(m.biasName(), new long[] {m.outFeatures()});
        }
    }

    /** c_attn, attn.c_proj, c_fc, mlp.c_proj of layer i. */
    @Override
    public List<LinearModule> layerModules(int i) {
        int h = config.hiddenSize();
        int inner = config.intermediateSize();
        return List.of(
                new LinearModule(layer(i) + "attn.c_attn", h, 3 * h, true, true),
                new LinearModule(layer(i) + "attn.c_proj", h, h, true, true),
                new LinearModule(layer(i) + "mlp.c_fc", h, inner, true, true),
                new LinearModule(layer(i) + "mlp.c_proj", inner, h, true, true));
    }

    @Override
    public Optional<String> canonicalName(String name) {
        // The causal-mask buffers older transformers versions saved are not parameters.
        if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) {
            return Optional.empty();
        }
        if (config.tieWordEmbeddings() && name.equals("lm_head.weight")) {
            return Optional.empty(); // the same tensor as wte when tied
        }
        // The original OpenAI-converted files have no "transformer." prefix.
        if (name.startsWith("h.") || name.startsWith("wte.") || name.startsWith("wpe.") || name.startsWith("ln_f.")) {
            return Optional.of(PREFIX + name);
        }
        return Optional.of(name);
    }

    @Override
    public String embeddingName() {
        return PREFIX + "wte.weight";
    }

    @Override
    public String outputHeadName() {
        return config.tieWordEmbeddings() ? embeddingName() : "lm_head.weight";
    }
}
