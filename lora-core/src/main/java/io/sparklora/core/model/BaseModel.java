package io.sparklora.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pretrained model (decoder, or encoder with or without its classification head): its configuration, its validated float32 weights by canonical name, and the fingerprint
 * adapters record so they are never applied to another base.
 */
public record BaseModel(ModelConfig config, ModelLayout layout, Map<String, INDArray> weights, String fingerprint) {
    public BaseModel {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        for (Map.Entry<String, long[]> e : layout.headShapes().entrySet()) { // optional; when present, in shape
            INDArray w = weights.get(e.getKey());
            if (w != null && !java.util.Arrays.equals(w.shape(), e.getValue())) {
                throw new IllegalArgumentException("head weight " + e.getKey() + " has shape " + Arrays2.shapeString(w.shape())
                        + ", expected " + Arrays2.shapeString(e.getValue()));
            }
        }
        for (Map.Entry<String, long[]> e : layout.parameterShapes().entrySet()) {
            INDArray w = weights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("weight " + e.getKey() + " is missing");
            }
            if (!java.util.Arrays.equals(w.shape(), e.getValue())) {
                throw new IllegalArgumentException("weight " + e.getKey() + " has shape " + Arrays2.shapeString(w.shape())
                        + ", expected " + Arrays2.shapeString(e.getValue()));
            }
        }
    }

    /** Builds a model from weights in memory, computing its fingerprint. */
    public static BaseModel of(ModelConfig config, Map<String, INDArray> weights) {
        ModelLayout layout = ModelLayout.of(config);
        return new BaseModel(config, layout, weights, ModelFingerprint.of(layout, weights));
    }

    public INDArray weight(String name) {
        INDArray w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no weight named " + name);
        }
        return w;
    }

    /** Whether the checkpoint holds its task head (an encoder's classifier): a fine-tuned or merged model. */
    public boolean hasHead() {
        return !layout.headShapes().isEmpty() && layout.headShapes().keySet().stream().allMatch(weights::containsKey);
    }

    /**
     * The same encoder for a task with these labels: the checkpoint's head is kept when it was trained for exactly
     * these labels and problem type, else dropped so a new one is drawn. The fingerprint (over the base's
     * parameters, not the head) is unchanged, so adapters stay bound to the same base.
     */
    public BaseModel withTask(java.util.List<String> labels, ProblemType problemType) {
        EncoderConfig current = config.encoderConfig();
        if (current.labels().equals(labels) && current.problemType() == problemType) {
            return this;
        }
        ModelConfig task = config.withHead(labels, problemType);
        ModelLayout taskLayout = ModelLayout.of(task);
        Map<String, INDArray> body = new LinkedHashMap<>(weights);
        body.keySet().removeAll(taskLayout.headShapes().keySet());
        return new BaseModel(task, taskLayout, body, fingerprint);
    }

    public long parameterCount() {
        return weights.values().stream().mapToLong(INDArray::length).sum();
    }
}
