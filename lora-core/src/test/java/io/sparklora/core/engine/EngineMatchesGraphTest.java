package io.sparklora.core.engine;

import io.sparklora.core.graph.CausalLmGraph;
import io.sparklora.core.graph.GraphSpec;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against the SameDiff graph, the test oracle whose autodiff gradients are themselves checked with
 * finite differences (GradientCheckTest): the same loss and the same gradients in float64, for both families and
 * both modes, LoRA with dropout (the engine draws the same masks).
 */
class EngineMatchesGraphTest {
    static Stream<ModelConfig> families() {
        return Stream.of(TinyModels.gpt2(), TinyModels.llama());
    }

    @ParameterizedTest
    @MethodSource("families")
    void loraLossAndGradientsEqualTheGraphs(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 21);
        LoraPlan plan = EngineGradientCheckTest.allLinear(base, 0.25);
        int seq = EngineGradientCheckTest.SEQ;
        CausalLm engine = CausalLm.build(base, plan, new EngineSpec(seq, DataType.DOUBLE, TrainingMode.LORA, true, false));
        CausalLmGraph graph = CausalLmGraph.build(base, plan, new GraphSpec(seq, DataType.DOUBLE, TrainingMode.LORA, true));
        Map<String, INDArray> theta = EngineGradientCheckTest.randomValues(engine, 4);
        engine.setTrainable(theta);
        graph.setTrainable(theta);
        compare(engine.forwardBackward(EngineGradientCheckTest.batch(), 17), graph.forwardBackward(EngineGradientCheckTest.batch(), 17));
        assertThat(engine.lossSum(EngineGradientCheckTest.batch())).isCloseTo(graph.lossSum(EngineGradientCheckTest.batch()),
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @ParameterizedTest
    @MethodSource("families")
    void loraOnTheFamilysDefaultModulesEqualsTheGraph(ModelConfig config) {
        // q_proj/v_proj or c_attn only: the inputs of the frozen projections are not kept for the backward pass
        BaseModel base = TinyModels.random(config, 23);
        LoraPlan plan = LoraPlan.of(new LoraConfig(2, 4, 0.25, null, false, 5), base.layout());
        int seq = EngineGradientCheckTest.SEQ;
        CausalLm engine = CausalLm.build(base, plan, new EngineSpec(seq, DataType.DOUBLE, TrainingMode.LORA, true, false));
        CausalLmGraph graph = CausalLmGraph.build(base, plan, new GraphSpec(seq, DataType.DOUBLE, TrainingMode.LORA, true));
        Map<String, INDArray> theta = EngineGradientCheckTest.randomValues(engine, 6);
        engine.setTrainable(theta);
        graph.setTrainable(theta);
        compare(engine.forwardBackward(EngineGradientCheckTest.batch(), 9), graph.forwardBackward(EngineGradientCheckTest.batch(), 9));
    }

    @ParameterizedTest
    @MethodSource("families")
    void fullFineTuningLossAndGradientsEqualTheGraphs(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 22);
        int seq = EngineGradientCheckTest.SEQ;
        CausalLm engine = CausalLm.build(base, null, new EngineSpec(seq, DataType.DOUBLE, TrainingMode.FULL, false, false));
        CausalLmGraph graph = CausalLmGraph.build(base, null, new GraphSpec(seq, DataType.DOUBLE, TrainingMode.FULL, false));
        compare(engine.forwardBackward(EngineGradientCheckTest.batch(), 0), graph.forwardBackward(EngineGradientCheckTest.batch(), 0));
    }

    private static void compare(StepOutput engine, StepOutput graph) {
        assertThat(engine.tokens()).isEqualTo(graph.tokens());
        assertThat(engine.lossSum()).isCloseTo(graph.lossSum(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(engine.gradients().keySet()).containsExactlyElementsOf(graph.gradients().keySet());
        for (String name : graph.gradients().keySet()) {
            INDArray e = engine.gradients().get(name);
            INDArray g = graph.gradients().get(name);
            double scale = Math.max(1e-6, g.norm2Number().doubleValue());
            double diff = e.sub(g).norm2Number().doubleValue();
            assertThat(diff / scale).as("gradient of %s (norm %s)", name, scale).isLessThan(1e-9);
        }
    }
}
