package io.sparklora.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** The parameter names and shapes a family's checkpoint must hold, and its linear modules. */
public interface ModelLayout {
    ModelConfig config();

    /** Every parameter, canonical Hugging Face name to shape, in a fixed order. */
    LinkedHashMap<String, long[]> parameterShapes();

    /** The linear maps of decoder layer i, in the order the layer applies them. */
    List<LinearModule> layerModules(int i);

    /** The linear maps LoRA can adapt, in model order; the output head is not among them. */
    default List<LinearModule> linearModules() {
        List<LinearModule> all = new java.util.ArrayList<>();
        for (int i = 0; i < config().numLayers(); i++) {
            all.addAll(layerModules(i));
        }
        return all;
    }

    /**
     * The canonical name of a tensor found in a checkpoint, or empty for a non-parameter buffer that is ignored
     * (causal-mask or rotary-frequency caches some checkpoints carry). Unknown names are returned unchanged so the
     * loader can report them.
     */
    Optional<String> canonicalName(String checkpointName);

    /**
     * The task head's tensors (an encoder's classification head), which a base checkpoint may hold or not and
     * which train fully next to an adapter, as PEFT's modules_to_save; empty for decoders.
     */
    default LinkedHashMap<String, long[]> headShapes() {
        return new LinkedHashMap<>();
    }

    /** The name of the embedding matrix [vocab, hidden]. */
    String embeddingName();

    /** The output head [vocab, hidden]: the embedding itself when tied. */
    String outputHeadName();

    static ModelLayout of(ModelConfig config) {
        return switch (config.family()) {
            case GPT2 -> new Gpt2Layout(config);
            case LLAMA -> new LlamaLayout(config);
            case BERT, ROBERTA -> new EncoderLayout(config);
            case DEBERTA_V2 -> new DebertaLayout(config);
        };
    }
}
