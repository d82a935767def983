package io.sparklora.core.graph;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.model.LinearModule;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Optional;

/** The one place that builds h = W0·x + b + s·B·(A·dropout(x)). */
final class LinearBlock {
    private LinearBlock() {
    }

    /** x: [N, in] → [N, out]. */
    static SDVariable apply(GraphContext g, LinearModule m, SDVariable x) {
        SDVariable w = g.param(m.weightName());
        // Conv1D stores [in, out]; nn.Linear stores [out, in] and is used transposed.
        SDVariable y = m.conv1d() ? g.sd.mmul(x, w) : g.sd.mmul(x, w, false, true, false); // [N, out]
        if (m.hasBias()) {
            y = y.add(g.param(m.biasName())); // [N, out] + [out]
        }
        Optional<LoraModule> lora = g.lora(m);
        if (lora.isPresent()) {
            LoraModule l = lora.get();
            SDVariable a = g.loraVar(l.aName(), l.aShape()); // [r, in]
            SDVariable b = g.loraVar(l.bName(), l.bShape()); // [out, r]
            SDVariable in = g.spec.withDropout() && g.plan.config().dropout() > 0 ? x.mul(g.dropoutMask(l)) : x;
            SDVariable down = g.sd.mmul(in, a, false, true, false); // [N, r]
            SDVariable up = g.sd.mmul(down, b, false, true, false); // [N, out]
            y = y.add(up.mul(g.plan.config().scale()));
        }
        return y;
    }
}
