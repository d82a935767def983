package io.sparklora.core.lora;

import io.sparklora.core.model.BaseModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds an adapter into the base: W = W0 + s·B·A (transposed for GPT-2's Conv1D, which stores [in, out]), so
 * inference costs nothing extra; and takes it out again. An encoder's trained classification head (part of θ) is
 * written into the merged model, which then scores on its own; unmerging keeps it.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    public static BaseModel merge(BaseModel base, LoraPlan plan, float[] theta) {
        return apply(base, plan, theta, +1);
    }

    public static BaseModel unmerge(BaseModel merged, LoraPlan plan, float[] theta) {
        return apply(merged, plan, theta, -1);
    }

    /** s·B·A in the base weight's stored orientation: [out, in], or [in, out] for Conv1D. */
    public static INDArray delta(LoraPlan plan, LoraModule m, float[] theta) {
        INDArray a = plan.layout().array(theta, m.aName()); // [r, in]
        INDArray b = plan.layout().array(theta, m.bName()); // [out, r]
        INDArray delta = b.mmul(a).muli(plan.config().scale()); // [out, in]
        return m.base().conv1d() ? delta.transpose().dup('c') : delta; // Conv1D: [in, out]
    }

    private static BaseModel apply(BaseModel base, LoraPlan plan, float[] theta, int sign) {
        plan.layout().checkSize(theta);
        Map<String, INDArray> weights = new LinkedHashMap<>(base.weights());
        for (LoraModule m : plan.modules()) {
            INDArray w0 = base.weight(m.base().weightName());
            INDArray d = delta(plan, m, theta);
            weights.put(m.base().weightName(), sign > 0 ? w0.add(d) : w0.sub(d));
        }
        if (sign > 0) {
            for (String name : plan.headNames()) {
                weights.put(name, plan.layout().array(theta, name));
            }
        }
        return BaseModel.of(base.config(), weights);
    }
}
