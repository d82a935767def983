package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Median time of one LoRA training step (forward + backward) of a LLaMA-shaped model: hidden 256, 4 layers,
 * vocabulary 2048, 4 x 128 tokens, r = 8 on q and v; 3 warm-up and 7 timed steps. Used to choose the ND4J build:
 * <pre>
 * mvn -q -pl lora-core test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-cp %classpath io.sparklora.core.bench.StepTime"
 * </pre>
 * which uses the oneDNN/AVX-512 build where the CPU has AVX-512 (see CpuBuild), and the same with
 * {@code -Dorg.bytedeco.javacpp.platform.extension=} before {@code -cp} for the plain build.
 */
public final class StepTime {
    private StepTime() {
    }

    public static void main(String[] args) {
        io.sparklora.core.backend.CpuBuild.select();
        ModelConfig c = new ModelConfig(ModelFamily.LLAMA, "llama", 2048, 256, 4, 8, 8, 32, 688, 256, 1e-6, 10000, false,
                false, false, false, 0);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        Nd4j.getRandom().setSeed(1);
        for (Map.Entry<String, long[]> e : ModelLayout.of(c).parameterShapes().entrySet()) {
            weights.put(e.getKey(), Nd4j.randn(DataType.FLOAT, e.getValue()).muli(0.02));
        }
        BaseModel base = BaseModel.of(c, weights);
        LoraPlan plan = LoraPlan.of(LoraConfig.defaults(), base.layout());
        CausalLm graph = CausalLm.build(base, plan, EngineSpec.training(128, TrainingMode.LORA));
        graph.setTrainable(plan.initialParameters());
        Random rng = new Random(1);
        int n = 4 * 128;
        int[] tokens = new int[n];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rng.nextInt(c.vocabSize());
            targets[i] = rng.nextInt(c.vocabSize());
        }
        TokenBatch batch = new TokenBatch(4, 128, tokens, targets);
        for (int i = 0; i < 3; i++) {
            graph.forwardBackward(batch, i);
        }
        long[] nanos = new long[7];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            graph.forwardBackward(batch, i);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf("platform extension %s: median LoRA step %.1f ms%n",
                System.getProperty("org.bytedeco.javacpp.platform.extension", "(none)"), nanos[nanos.length / 2] / 1e6);
    }
}
