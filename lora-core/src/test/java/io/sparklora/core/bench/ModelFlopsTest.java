package io.sparklora.core.bench;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ModelFlopsTest {
    @Test
    void countsEveryProductOfATinyLlamaByHand() {
        // hidden 8, 1 layer, 2 heads of 4, MLP 16, vocabulary 10; 2 rows of 3 tokens (N = 6); r = 2 on q and v.
        ModelConfig c = new ModelConfig(ModelFamily.LLAMA, "llama", 10, 8, 1, 2, 2, 4, 16, 16, 1e-6, 10000, false,
                false, false, false, 0);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0, new TargetModules.Names(List.of("q_proj", "v_proj")), false, 1),
                ModelLayout.of(c));
        ModelFlops f = ModelFlops.of(c, plan, 2, 3);
        double n = 6;
        double linear = 2 * n * (4 * 8 * 8 + 3 * 8 * 16) + 2 * n * 8 * 10; // q k v o, gate up down, head
        double attention = 4.0 * 2 * 2 * 3 * 3 * 4;
        double adapters = 2 * (2 * n * 2 * (8 + 8));
        assertThat(f.linear()).isEqualTo(linear);
        assertThat(f.attention()).isEqualTo(attention);
        assertThat(f.adapters()).isEqualTo(adapters);
        assertThat(f.loraStep()).isEqualTo(2 * linear + 3 * attention + 3 * adapters);
        assertThat(f.fullStep()).isEqualTo(3 * linear + 3 * attention);
    }
}
