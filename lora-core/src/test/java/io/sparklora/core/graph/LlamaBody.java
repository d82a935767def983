package io.sparklora.core.graph;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.LlamaLayout;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/** LLaMA (and Mistral, Qwen2): RMSNorm, rotary attention with grouped-query heads, SwiGLU MLP. */
final class LlamaBody {
    private LlamaBody() {
    }

    /** ids: [N] → final hidden states [N, hidden]. */
    static SDVariable hidden(GraphContext g, SDVariable ids) {
        ModelConfig c = g.base.config();
        SDVariable x = g.embed("model.embed_tokens.weight", ids); // [N, H]
        SDVariable mask = Attention.causalMask(g, c.numHeads() / c.numKvHeads(), c.slidingWindow());
        Rotary rotary = new Rotary(g, c.headDim(), c.ropeTheta());
        for (int i = 0; i < c.numLayers(); i++) {
            String p = LlamaLayout.layer(i);
            List<LinearModule> m = g.base.layout().layerModules(i); // q, k, v, o, gate, up, down

            SDVariable a = Norms.rmsNorm(g, x, p + "input_layernorm.weight", c.normEps());
            SDVariable q = LinearBlock.apply(g, m.get(0), a); // [N, H·D]
            SDVariable k = LinearBlock.apply(g, m.get(1), a); // [N, Hkv·D]
            SDVariable v = LinearBlock.apply(g, m.get(2), a); // [N, Hkv·D]
            SDVariable att = Attention.apply(g, q, k, v, c.numHeads(), c.numKvHeads(), c.headDim(), rotary, mask);
            x = x.add(LinearBlock.apply(g, m.get(3), att));

            SDVariable n = Norms.rmsNorm(g, x, p + "post_attention_layernorm.weight", c.normEps());
            SDVariable gated = Activations.silu(g, LinearBlock.apply(g, m.get(4), n)).mul(LinearBlock.apply(g, m.get(5), n));
            x = x.add(LinearBlock.apply(g, m.get(6), gated)); // [N, H]
        }
        return Norms.rmsNorm(g, x, "model.norm.weight", c.normEps());
    }
}
