package io.sparklora.core.graph;

import io.sparklora.core.lora.ParameterLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** One forward/backward over a batch: the summed loss, the tokens it sums over, and d(lossSum)/dθ by name. */
public record StepOutput(double lossSum, long tokens, Map<String, INDArray> gradients) {
    /** The gradient as one flat vector in the layout's order. */
    public float[] flatGradient(ParameterLayout layout) {
        return layout.flatten(gradients);
    }
}
