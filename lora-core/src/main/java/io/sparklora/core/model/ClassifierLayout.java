package io.sparklora.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** An encoder's layout with its sequence-classification head: BERT/RoBERTa ({@link EncoderLayout}) and DeBERTa. */
public interface ClassifierLayout extends ModelLayout {
    /** The head's linear maps in the order applied to the first token: dense (then the activation), then the logits. */
    List<LinearModule> headModules();

    /** The modules_to_save this family's SEQ_CLS adapter config names, so that PEFT saves and restores the head. */
    List<String> peftModulesToSave();

    /** The LayerNorm after the embeddings. */
    String embeddingNorm();

    /** Layer i's LayerNorm after the attention's output dense (post-LN, as BERT's and DeBERTa's layers are). */
    String attentionNorm(int i);

    /** Layer i's LayerNorm after the MLP's output dense. */
    String outputNorm(int i);

    /**
     * The embedding LayerNorm's shapes and every layer's, in the checkpoint's order: query, key, value and the
     * attention's output dense ({@link #layerModules} 0-3), its LayerNorm, the intermediate and output dense (4-5),
     * their LayerNorm.
     */
    default void putNormAndLayerShapes(LinkedHashMap<String, long[]> shapes) {
        putNorm(shapes, embeddingNorm());
        for (int i = 0; i < config().numLayers(); i++) {
            List<LinearModule> m = layerModules(i);
            for (LinearModule lin : m.subList(0, 4)) {
                Gpt2Layout.putLinear(shapes, lin);
            }
            putNorm(shapes, attentionNorm(i));
            for (LinearModule lin : m.subList(4, 6)) {
                Gpt2Layout.putLinear(shapes, lin);
            }
            putNorm(shapes, outputNorm(i));
        }
    }

    /** A LayerNorm's weight and bias, each [hidden]. */
    default void putNorm(LinkedHashMap<String, long[]> shapes, String norm) {
        shapes.put(norm + ".weight", new long[] {config().hiddenSize()});
        shapes.put(norm + ".bias", new long[] {config().hiddenSize()});
    }

    @Override
    default LinkedHashMap<String, long[]> headShapes() {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        for (LinearModule m : headModules()) {
            Gpt2Layout.putLinear(shapes, m);
        }
        return shapes;
    }

    /**
     * A new head as Hugging Face initialises one: weights ~ N(0, σ²) with σ = initializer_range, biases 0; by
     * name, in {@link #headShapes()} order, a pure function of the seed.
     */
    default LinkedHashMap<String, float[]> initialHead(long seed) {
        Random rng = new Random(seed);
        double std = config().encoderConfig().initializerRange();
        LinkedHashMap<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : headShapes().entrySet()) {
            float[] v = new float[(int) java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact)];
            if (e.getKey().endsWith(".weight")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (std * rng.nextGaussian());
                }
            }
            values.put(e.getKey(), v);
        }
        return values;
    }
}
