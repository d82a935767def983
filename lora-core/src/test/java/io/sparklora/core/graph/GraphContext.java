package io.sparklora.core.graph;

import io.sparklora.core.engine.TrainingMode;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.LinearModule;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the block builders share while one graph is built: the SameDiff instance, the base weights (constants in
 * LoRA mode, variables in full mode), the adapter variables, and the placeholders.
 */
final class GraphContext {
    static final String INPUT_IDS = "input_ids";
    static final String INPUT_ONE_HOT = "input_one_hot";
    static final String TARGET_ONE_HOT = "target_one_hot";
    static final String TARGET_WEIGHT = "target_weight";

    final SameDiff sd = SameDiff.create();
    final BaseModel base;
    final LoraPlan plan;
    final GraphSpec spec;
    private final Map<String, SDVariable> params = new HashMap<>();
    /** Dropout mask placeholder per adapted module, in plan order. */
    final Map<String, SDVariable> dropoutMasks = new LinkedHashMap<>();

    GraphContext(BaseModel base, LoraPlan plan, GraphSpec spec) {
        this.base = base;
        this.plan = plan;
        this.spec = spec;
    }

    /** A base weight: a constant shared with the loaded model, or in full mode a variable of its own. */
    SDVariable param(String name) {
        return params.computeIfAbsent(name, n -> {
            INDArray w = base.weight(n);
            if (spec.mode() == TrainingMode.FULL) {
                return sd.var(n, w.castTo(spec.dtype()).dup());
            }
            return sd.constant(n, w.dataType() == spec.dtype() ? w : w.castTo(spec.dtype()));
        });
    }

    Optional<LoraModule> lora(LinearModule module) {
        return spec.mode() == TrainingMode.LORA && plan != null ? plan.moduleFor(module) : Optional.empty();
    }

    /** An adapter matrix; values are set before each use from the flat parameter vector. */
    SDVariable loraVar(String name, long[] shape) {
        return params.computeIfAbsent(name, n -> sd.var(n, Nd4j.zeros(spec.dtype(), shape)));
    }

    SDVariable dropoutMask(LoraModule module) {
        return dropoutMasks.computeIfAbsent(module.base().path(),
                p -> sd.placeHolder(p + ".lora_dropout_mask", spec.dtype(), -1, module.base().inFeatures()));
    }

    /**
     * Token embeddings [N, H] for ids [N]. A gather when the table is frozen; in full mode a one-hot [N, V] product,
     * because gather's backward pass in ND4J 1.0.0-M2.1 is wrong and the table needs its gradient.
     */
    SDVariable embed(String tableName, SDVariable ids) {
        if (spec.mode() == TrainingMode.FULL) {
            SDVariable oneHot = sd.placeHolder(INPUT_ONE_HOT, spec.dtype(), -1, base.config().vocabSize()); // [N, V]
            return sd.mmul(oneHot, param(tableName)); // [N, H]
        }
        return sd.gather(param(tableName), ids, 0); // [N, H]
    }

    int seqLen() {
        return spec.seqLen();
    }
}
