package io.sparklora.core.graph;

import io.sparklora.core.model.Gpt2Layout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/** GPT-2: learned positions, pre-LayerNorm blocks, fused c_attn, GELU (tanh) MLP, final ln_f. */
final class Gpt2Body {
    private Gpt2Body() {
    }

    /** ids: [N] → final hidden states [N, hidden]. */
    static SDVariable hidden(GraphContext g, SDVariable ids) {
        ModelConfig c = g.base.config();
        var layout = g.base.layout();
        int t = g.seqLen();
        int h = c.hiddenSize();
        SDVariable tokens = g.embed("transformer.wte.weight", ids); // [N, H]
        // The first T rows of the position table; a slice, whose backward pass (unlike gather's) is sound in M2.1.
        SDVariable pos = g.sd.stridedSlice(g.param("transformer.wpe.weight"), new long[] {0, 0}, new long[] {t, h},
                new long[] {1, 1}); // [T, H]
        SDVariable x = tokens.reshape(-1, t, h).add(pos).reshape(-1, h); // [B, T, H] + [T, H] → [N, H]
        SDVariable mask = Attention.causalMask(g, 1, 0);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = Gpt2Layout.layer(i);
            List<LinearModule> m = layout.layerModules(i); // c_attn, attn.c_proj, c_fc, mlp.c_proj
            LinearModule cAttn = m.get(0);
            LinearModule attnProj = m.get(1);
            LinearModule fc = m.get(2);
            LinearModule mlpProj = m.get(3);

            SDVariable a = Norms.layerNorm(g, x, p + "ln_1", c.normEps());
            // [N, 3H] holds q, k, v side by side; split by unstacking the middle axis of [3, N, H].
            SDVariable qkv = LinearBlock.apply(g, cAttn, a).reshape(-1, 3, h).permute(1, 0, 2); // [3, N, H]
            SDVariable[] split = g.sd.unstack(qkv, 0, 3); // 3 x [N, H]
            SDVariable att = Attention.apply(g, split[0], split[1], split[2], c.numHeads(), c.numHeads(), c.headDim(),
                    null, mask);
            x = x.add(LinearBlock.apply(g, attnProj, att));

            SDVariable normed = Norms.layerNorm(g, x, p + "ln_2", c.normEps());
            SDVariable inner = Activations.geluTanh(g, LinearBlock.apply(g, fc, normed)); // [N, inner]
            x = x.add(LinearBlock.apply(g, mlpProj, inner));
        }
        return Norms.layerNorm(g, x, "transformer.ln_f", c.normEps());
    }
}
