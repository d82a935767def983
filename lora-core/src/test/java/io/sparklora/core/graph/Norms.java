package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;

/** LayerNorm (GPT-2) and RMSNorm (LLaMA) over the hidden dimension of [N, hidden]. */
final class Norms {
    private Norms() {
    }

    static SDVariable layerNorm(GraphContext g, SDVariable x, String prefix, double eps) {
        SDVariable mean = x.mean(true, 1); // [N, 1]
        SDVariable centered = x.sub(mean); // [N, H]
        SDVariable variance = centered.mul(centered).mean(true, 1); // [N, 1], biased as torch's LayerNorm
        SDVariable normed = centered.mul(g.sd.math.rsqrt(variance.add(eps)));
        return normed.mul(g.param(prefix + ".weight")).add(g.param(prefix + ".bias"));
    }

    static SDVariable rmsNorm(GraphContext g, SDVariable x, String weightName, double eps) {
        SDVariable meanSquare = x.mul(x).mean(true, 1); // [N, 1]
        return x.mul(g.sd.math.rsqrt(meanSquare.add(eps))).mul(g.param(weightName));
    }
}
