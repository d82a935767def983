package io.sparklora.core.engine;

import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One forward/backward over a batch: the summed loss, the tokens it sums over, and d(lossSum)/dθ by name. The
 * gradient arrays belong to the caller; {@link #close()} frees their native memory at once (see NativeArrays).
 */
public record StepOutput(double lossSum, long tokens, Map<String, INDArray> gradients) implements AutoCloseable {
    /** The gradient as one flat vector in the layout's order. */
    public float[] flatGradient(ParameterLayout layout) {
        return layout.flatten(gradients);
    }

    @Override
    public void close() {
        NativeArrays.close(gradients.values());
    }
}
