package io.sparklora.core.model;

import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.FloatTensor;
import io.sparklora.core.tensor.SafetensorsWriter;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a model as a Hugging Face directory: config.json + model.safetensors, in the family's own layout. */
public final class BaseModelWriter {
    public static final String WEIGHTS_FILE = "model.safetensors";

    private BaseModelWriter() {
    }

    public static void write(BaseModel model, Path dir, DType dtype, Map<String, String> metadata) throws IOException {
        ModelConfigJson.write(model.config(), dir);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.weights().entrySet()) {
            tensors.put(e.getKey(), new FloatTensor(e.getValue().shape(), Arrays2.toFloats(e.getValue())));
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.putIfAbsent("format", "pt");
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, meta, dtype);
    }
}
