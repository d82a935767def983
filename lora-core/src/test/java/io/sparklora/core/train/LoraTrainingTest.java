package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyData;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.TrainingRow;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** LoRA training end to end on tiny checkpoints written in Hugging Face layout and loaded back from disk. */
class LoraTrainingTest {
    private static final int SEQ = 8;

    @TempDir
    Path dir;

    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void adapterStartsAtTheBaseModelExactly(ModelConfig config) throws Exception {
        BaseModel base = BaseModelLoader.load(TinyModels.write(TinyModels.random(config, 1), dir));
        LoraPlan plan = LoraPlan.of(new LoraConfig(4, 8, 0.0, new TargetModules.AllLinear(), false, 3), base.layout());
        CausalLm adapted = CausalLm.build(base, plan, EngineSpec.inference(SEQ));
        adapted.setTrainable(plan.initialParameters());
        CausalLm plain = CausalLm.build(base, null, new EngineSpec(SEQ, adapted.spec().dtype(), TrainingMode.FULL, false, false));
        int[] tokens = TinyData.rows(2, SEQ, 5).stream().flatMapToInt(r -> java.util.Arrays.stream(r.tokens())).toArray();

        assertThat(adapted.logits(tokens)).isEqualTo(plain.logits(tokens)); // B = 0: W0·x + s·0·A·x == W0·x, bit for bit
    }

    @ParameterizedTest
    @MethodSource("families")
    void trainingOverfitsASmallBatchAndTouchesOnlyTheAdapter(ModelConfig config) throws Exception {
        BaseModel base = BaseModelLoader.load(TinyModels.write(TinyModels.random(config, 2), dir));
        Map<String, INDArray> baseBefore = copies(base);
        LoraPlan plan = LoraPlan.of(new LoraConfig(4, 8, 0.0, new TargetModules.AllLinear(), false, 3), base.layout());
        CausalLm graph = CausalLm.build(base, plan, EngineSpec.training(SEQ, TrainingMode.LORA));
        List<TrainingRow> rows = TinyData.rows(2, SEQ, 9);
        float[] theta0 = plan.initialParameters();
        float[] theta = theta0.clone();
        OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(3e-2).withSchedule(LrSchedule.CONSTANT, 0);
        List<RoundMetrics> history = LocalTrainer.of(graph, new BatchPlan(1, 2, 2, 7), opt)
                .train(theta, rows, 200, m -> { });

        double first = history.get(0).loss();
        double last = history.get(history.size() - 1).loss();
        assertThat(last).as("loss after 200 rounds vs first %s", first).isLessThan(0.1 * first);
        // θ moved; the frozen base did not, neither in the loaded model nor in the graph's constants.
        assertThat(theta).isNotEqualTo(theta0);
        for (Map.Entry<String, INDArray> e : baseBefore.entrySet()) {
            assertThat(base.weight(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(graph.baseArray(e.getKey())).as("graph constant " + e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(graph.trainableLayout().names()).allMatch(n -> n.contains(".lora_A.") || n.contains(".lora_B."));
    }

    @ParameterizedTest
    @MethodSource("families")
    void fullFineTuningTrainsEveryWeight(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 4);
        CausalLm graph = CausalLm.build(base, null, EngineSpec.training(SEQ, TrainingMode.FULL));
        float[] theta0 = graph.trainableVector();
        float[] theta = theta0.clone();
        OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(1e-2).withSchedule(LrSchedule.CONSTANT, 0);
        List<RoundMetrics> history = LocalTrainer.of(graph, new BatchPlan(1, 2, 2, 7), opt)
                .train(theta, TinyData.rows(2, SEQ, 9), 60, m -> { });

        assertThat(history.get(59).loss()).isLessThan(0.1 * history.get(0).loss());
        assertThat(graph.trainableLayout().size()).isEqualTo((int) base.parameterCount());
        for (String name : graph.trainableLayout().names()) {
            float[] before = graph.trainableLayout().slice(theta0, name);
            float[] after = graph.trainableLayout().slice(theta, name);
            assertThat(after).as(name + " changed").isNotEqualTo(before);
        }
    }

    private static Map<String, INDArray> copies(BaseModel base) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        base.weights().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
