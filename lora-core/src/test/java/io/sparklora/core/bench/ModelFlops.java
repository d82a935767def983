package io.sparklora.core.bench;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelLayout;

/**
 * Model FLOPs of one training step (matrix products only; element-wise work is a few percent and not counted, as in
 * the usual MFU accounting). For B rows of T tokens, N = B·T:
 * <ul>
 *   <li>linear: 2·N·in·out per projection, plus the output head 2·N·hidden·V (the embedding is a lookup);</li>
 *   <li>attention: 4·B·heads·T²·headDim per layer (scores and context; the full T×T product, which is what runs);</li>
 *   <li>adapters: 2·N·r·(in + out) per adapted projection.</li>
 * </ul>
 * A LoRA step counts forward + the input-gradient backward (a frozen weight needs no weight gradient): 2·linear +
 * 3·attention + 3·adapters. Full fine-tuning adds every weight gradient: 3·linear + 3·attention.
 */
public record ModelFlops(double linear, double attention, double adapters) {

    public static ModelFlops of(ModelConfig c, LoraPlan plan, int rows, int seqLen) {
        double n = (double) rows * seqLen;
        ModelLayout layout = ModelLayout.of(c);
        double linear = 2 * n * c.hiddenSize() * (double) c.vocabSize();
        for (LinearModule m : layout.linearModules()) {
            linear += 2 * n * m.inFeatures() * (double) m.outFeatures();
        }
        double attention = c.numLayers() * 4.0 * rows * c.numHeads() * (double) seqLen * seqLen * c.headDim();
        double adapters = 0;
        for (LoraModule m : plan.modules()) {
            adapters += 2 * n * m.r() * (double) (m.base().inFeatures() + m.base().outFeatures());
        }
        return new ModelFlops(linear, attention, adapters);
    }

    public double loraStep() {
        return 2 * linear + 3 * attention + 3 * adapters;
    }

    public double fullStep() {
        return 3 * linear + 3 * attention;
    }

    public double forward() {
        return linear + attention + adapters;
    }
}
