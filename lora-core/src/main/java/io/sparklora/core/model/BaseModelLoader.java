package io.sparklora.core.model;

import io.sparklora.core.tensor.CheckpointTensors;
import io.sparklora.core.tensor.SafetensorsFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Loads a Hugging Face model directory (config.json + safetensors, sharded or not), checking every tensor. */
public final class BaseModelLoader {
    private BaseModelLoader() {
    }

    public static BaseModel load(Path modelDir) throws IOException {
        ModelConfig config = readConfig(modelDir);
        ModelLayout layout = ModelLayout.of(config);
        LinkedHashMap<String, long[]> expected = layout.parameterShapes();
        Map<String, INDArray> weights = new LinkedHashMap<>();
        try (CheckpointTensors tensors = CheckpointTensors.open(modelDir)) {
            Map<String, String> checkpointNameOf = matchTensors(modelDir, config, layout, tensors);
            LinkedHashMap<String, long[]> all = new LinkedHashMap<>(expected);
            all.putAll(layout.headShapes());
            SafetensorsFile.StreamBuffers chunks = new SafetensorsFile.StreamBuffers();
            INDArray staging = Nd4j.createUninitialized(DataType.FLOAT, chunks.chunkElements());
            try {
                for (Map.Entry<String, long[]> e : all.entrySet()) {
                    String fileName = checkpointNameOf.get(e.getKey());
                    if (fileName != null) { // a head is optional: see ModelLayout.headShapes
                        weights.put(e.getKey(), read(tensors, chunks, staging, fileName, e.getValue()));
                    }
                }
            } finally {
                NativeArrays.close(staging);
            }
        }
        return new BaseModel(config, layout, weights, ModelFingerprint.of(layout, weights));
    }

    /**
     * One weight, streamed from the file into its native array a chunk at a time (see
     * {@link io.sparklora.core.tensor.SafetensorsFile#streamFloats}) through {@code staging}, a native array of one
     * chunk: an executor's resident set after loading is the model's arrays, not the arrays plus heap copies plus
     * the file's mapped pages.
     */
    private static INDArray read(CheckpointTensors tensors, SafetensorsFile.StreamBuffers chunks, INDArray staging,
                                 String name, long[] shape) throws IOException {
        if (shape.length == 0) {
            return Arrays2.fromFloats(tensors.readFloats(name), shape);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape); // C order; every element is written below
        INDArray flat = out.reshape(out.length()); // a view of the same buffer
        tensors.streamFloats(name, chunks, (values, count, first) -> {
            staging.data().setData(values); // a copy into the existing native buffer: no allocation per chunk
            flat.get(NDArrayIndex.interval(first, first + count)).assign(staging.get(NDArrayIndex.interval(0, count)));
        });
        return out;
    }

    /**
     * Checks a model directory as {@link #load} does (config.json, every safetensors header, tensor names and shapes
     * against config.json) without reading the weights; returns its configuration.
     */
    public static ModelConfig check(Path modelDir) throws IOException {
        ModelConfig config = readConfig(modelDir);
        try (CheckpointTensors tensors = CheckpointTensors.open(modelDir)) {
            matchTensors(modelDir, config, ModelLayout.of(config), tensors);
        }
        return config;
    }

    private static ModelConfig readConfig(Path modelDir) throws IOException {
        try {
            return ModelConfigJson.read(modelDir);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Canonical name to checkpoint name for every tensor config.json requires, each present once with its shape; and
     * for the task head's tensors when the checkpoint holds the head (all of it, with its shapes, or none of it).
     */
    private static Map<String, String> matchTensors(Path modelDir, ModelConfig config, ModelLayout layout,
                                                    CheckpointTensors tensors) throws IOException {
        LinkedHashMap<String, long[]> expected = new LinkedHashMap<>(layout.parameterShapes());
        LinkedHashMap<String, long[]> head = layout.headShapes();
        Map<String, String> checkpointNameOf = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        for (String name : tensors.names()) {
            Optional<String> canonical = layout.canonicalName(name);
            if (canonical.isEmpty()) {
                continue;
            }
            if (!expected.containsKey(canonical.get()) && !head.containsKey(canonical.get())) {
                unexpected.add(name);
            } else if (checkpointNameOf.put(canonical.get(), name) != null) {
                throw new IOException(modelDir + ": tensor " + canonical.get() + " appears twice (as "
                        + checkpointNameOf.get(canonical.get()) + " and " + name + ")");
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IOException(modelDir + ": unexpected tensor(s) " + preview(unexpected) + " for a "
                    + config.modelType() + " model with " + config.numLayers()
                    + " layers; check that config.json matches the weights");
        }
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!checkpointNameOf.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException(modelDir + ": missing tensor(s) " + preview(missing) + " required by config.json ("
                    + config.modelType() + ", " + config.numLayers() + " layers)");
        }
        List<String> headFound = head.keySet().stream().filter(checkpointNameOf::containsKey).toList();
        if (!headFound.isEmpty() && headFound.size() < head.size()) {
            List<String> headMissing = head.keySet().stream().filter(n -> !checkpointNameOf.containsKey(n)).toList();
            throw new IOException(modelDir + ": the checkpoint holds part of the classification head " + headFound
                    + " but not " + headMissing + "; a checkpoint holds the whole head or none of it");
        }
        expected.putAll(head);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String fileName = checkpointNameOf.get(e.getKey());
            if (fileName == null) {
                continue; // a head the checkpoint does not hold
            }
            long[] found = tensors.info(fileName).shape();
            if (!Arrays.equals(found, e.getValue())) {
                throw new IOException(modelDir + ": tensor " + fileName + " has shape " + Arrays.toString(found)
                        + " but config.json implies " + Arrays.toString(e.getValue())
                        + (head.containsKey(e.getKey()) ? " (num_labels " + config.encoderConfig().numLabels()
                        + " from id2label; a head for other labels needs a config.json that lists them)" : ""));
            }
        }
        return checkpointNameOf;
    }

    private static String preview(List<String> names) {
        return names.size() <= 5 ? names.toString() : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
    }
}
