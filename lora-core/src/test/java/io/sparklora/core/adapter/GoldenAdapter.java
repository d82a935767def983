package io.sparklora.core.adapter;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;

import java.nio.file.Path;
import java.util.List;

/**
 * The golden PEFT adapter checked into test resources, and the code that generated it. Regenerate (only when the
 * format deliberately changes) with:
 * {@code mvn -pl lora-core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.sparklora.core.adapter.GoldenAdapter -Dexec.args=lora-core/src/test/resources/golden/peft-llama-tiny}
 */
public final class GoldenAdapter {
    static final String RESOURCE_DIR = "golden/peft-llama-tiny";

    private GoldenAdapter() {
    }

    static BaseModel base() {
        return TinyModels.random(TinyModels.llama(), 100);
    }

    static LoraPlan plan(BaseModel base) {
        return LoraPlan.of(new LoraConfig(2, 4, 0.05, new TargetModules.Names(List.of("q_proj", "v_proj")), false, 7),
                base.layout());
    }

    static PeftAdapter adapter(BaseModel base, LoraPlan plan) {
        return new PeftAdapter(plan.config(), MergedCheckpointTest.randomTheta(plan, 8), "tiny-llama", base.fingerprint());
    }

    public static void main(String[] args) throws Exception {
        BaseModel base = base();
        LoraPlan plan = plan(base);
        PeftAdapterFiles.write(Path.of(args[0]), adapter(base, plan), plan, ModelFamily.LLAMA);
    }
}
