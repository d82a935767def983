package io.sparklora.core.engine;

import io.sparklora.core.graph.CausalLmGraph;
import io.sparklora.core.graph.GraphSpec;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sequences of a realistic length (150 positions, where the other engine tests use 6 or 7): the engine's causal
 * attention equals the graph oracle's in loss and gradients (float64), with grouped-query heads and with a sliding
 * window shorter than the sequence, and a second step on the same buffers gives the same loss.
 */
class LongSequenceAttentionTest {
    private static final int SEQ = 150;

    static Stream<ModelConfig> shapes() {
        return Stream.of(longer(TinyModels.gpt2(), 0), longer(TinyModels.llama(), 0), longer(TinyModels.llama(), 40));
    }

    /** The tiny model with room for SEQ positions and, if window > 0, Mistral's sliding window. */
    private static ModelConfig longer(ModelConfig c, int window) {
        return new ModelConfig(c.family(), c.modelType(), c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.intermediateSize(), SEQ, c.normEps(), c.ropeTheta(), c.tieWordEmbeddings(),
                c.qkvBias(), c.outputProjBias(), c.mlpBias(), window);
    }

    private static TokenBatch batch() {
        Random rng = new Random(3);
        int rows = 2;
        int[] tokens = new int[rows * SEQ];
        int[] targets = new int[rows * SEQ];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(TinyModels.VOCAB);
            targets[i] = i % 7 == 0 ? TokenBatch.IGNORE : rng.nextInt(TinyModels.VOCAB);
        }
        return new TokenBatch(rows, SEQ, tokens, targets);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void blockedAttentionEqualsTheGraphsFullAttention(ModelConfig config) {
        BaseModel base = TinyModels.random(config, 31);
        LoraPlan plan = EngineGradientCheckTest.allLinear(base, 0.0);
        try (CausalLm engine = CausalLm.build(base, plan, new EngineSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false, false))) {
            CausalLmGraph graph = CausalLmGraph.build(base, plan, new GraphSpec(SEQ, DataType.DOUBLE, TrainingMode.LORA, false));
            Map<String, INDArray> theta = EngineGradientCheckTest.randomValues(engine, 8);
            engine.setTrainable(theta);
            graph.setTrainable(theta);
            StepOutput e = engine.forwardBackward(batch(), 0);
            StepOutput g = graph.forwardBackward(batch(), 0);
            assertThat(e.lossSum()).isCloseTo(g.lossSum(), org.assertj.core.data.Offset.offset(1e-9 * Math.abs(g.lossSum())));
            for (String name : g.gradients().keySet()) {
                INDArray expected = g.gradients().get(name);
                double diff = e.gradients().get(name).sub(expected).norm2Number().doubleValue();
                assertThat(diff / Math.max(1e-6, expected.norm2Number().doubleValue())).as("gradient of %s", name)
                        .isLessThan(1e-9);
            }
            // a second step on the same buffers: nothing of the first may leak into it
            StepOutput again = engine.forwardBackward(batch(), 0);
            assertThat(again.lossSum()).isEqualTo(e.lossSum());
        }
    }
}
