package io.sparklora.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A SHA-256 over every parameter's name and shape and a strided sample of its values. Any re-trained or
 * re-shaped base changes it; computing it costs a few thousand reads per tensor, not a pass over the model.
 */
public final class ModelFingerprint {
    static final int SAMPLES_PER_TENSOR = 4096;

    private ModelFingerprint() {
    }

    public static String of(ModelLayout layout, Map<String, INDArray> weights) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
        for (String name : layout.parameterShapes().keySet()) {
            INDArray w = weights.get(name);
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            ByteBuffer header = ByteBuffer.allocate(8 * (w.rank() + 1)).order(ByteOrder.LITTLE_ENDIAN);
            header.putLong(w.rank());
            for (long d : w.shape()) {
                header.putLong(d);
            }
            sha.update(header.array());
            INDArray flat = w.reshape(w.length());
            long n = flat.length();
            long stride = Math.max(1, (n + SAMPLES_PER_TENSOR - 1) / SAMPLES_PER_TENSOR); // spans the whole tensor
            ByteBuffer values = ByteBuffer.allocate(4 * (SAMPLES_PER_TENSOR + 1)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i += stride) {
                values.putFloat(flat.getFloat(i));
            }
            if (n > 0) {
                values.putFloat(flat.getFloat(n - 1));
            }
            sha.update(values.array(), 0, values.position());
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
