package io.sparklora.core.adapter;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;

import java.nio.file.Path;
import java.util.List;

/**
 * The golden PEFT SEQ_CLS adapter (RoBERTa: query/value adapters plus the classifier.dense / classifier.out_proj
 * head) checked into test resources, and the code that generated it. Regenerate (only when the format deliberately
 * changes) with:
 * {@code mvn -pl lora-core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.sparklora.core.adapter.GoldenSeqClsAdapter -Dexec.args=lora-core/src/test/resources/golden/peft-roberta-seqcls-tiny}
 */
public final class GoldenSeqClsAdapter {
    static final String RESOURCE_DIR = "golden/peft-roberta-seqcls-tiny";

    private GoldenSeqClsAdapter() {
    }

    static BaseModel base() {
        return TinyModels.random(TinyModels.roberta(List.of("negative", "positive"), ProblemType.SINGLE_LABEL), 200);
    }

    /** PEFT's defaults for RoBERTa: query and value. */
    static LoraPlan plan(BaseModel base) {
        return LoraPlan.of(new LoraConfig(2, 4, 0.1, null, false, 9), base.layout());
    }

    static PeftAdapter adapter(BaseModel base, LoraPlan plan) {
        return new PeftAdapter(plan.config(), MergedCheckpointTest.randomTheta(plan, 10), "tiny-roberta", base.fingerprint());
    }

    public static void main(String[] args) throws Exception {
        BaseModel base = base();
        LoraPlan plan = plan(base);
        PeftAdapterFiles.write(Path.of(args[0]), adapter(base, plan), plan, ModelFamily.ROBERTA);
    }
}
