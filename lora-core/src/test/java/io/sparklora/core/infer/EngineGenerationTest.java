package io.sparklora.core.infer;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.testing.TinyModels;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowPacker;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.LocalTrainer;
import io.sparklora.core.train.LrSchedule;
import io.sparklora.core.train.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokenizer → training → greedy generation through the real graph: a memorised sentence comes back out. */
class EngineGenerationTest {
    private static final String SENTENCE = "the cat sat on the mat.";
    private static final int SEQ = 24;

    @TempDir
    Path dir;

    @Test
    void greedyGenerationReproducesAMemorisedSentence() throws Exception {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        Files.writeString(tokenizerFile, TokenizerBuilder.characterLevel(List.of(SENTENCE), 10, List.of("<|endoftext|>")));
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            ModelConfig config = new ModelConfig(ModelFamily.LLAMA, "llama", tokenizer.vocabSize(), 32, 2, 4, 2, 8, 48,
                    64, 1e-6, 10000, true, false, false, false, 0);
            BaseModel base = TinyModels.random(config, 3);
            List<TrainingRow> rows = new RowPacker(SEQ, false, 0)
                    .pack(List.of(new ExampleEncoder(tokenizer, false, true).encode(TextExample.plain(SENTENCE))));
            CausalLm trainer = CausalLm.build(base, null, EngineSpec.training(SEQ, TrainingMode.FULL));
            float[] theta = trainer.trainableVector();
            OptimizerConfig opt = OptimizerConfig.defaults().withLearningRate(1e-2).withSchedule(LrSchedule.CONSTANT, 0);
            LocalTrainer.of(trainer, new BatchPlan(1, 1, 1, 1), opt).train(theta, rows, 80, m -> { });

            BaseModel trained = BaseModel.of(config, trainer.trainableLayout().unflatten(theta));
            CausalLm inference = CausalLm.build(trained, null,
                    new EngineSpec(SEQ, org.nd4j.linalg.api.buffer.DataType.FLOAT, TrainingMode.FULL, false, false));
            int[] prompt = tokenizer.encode("the cat");
            int[] generated = new Generator(new EngineNextTokenModel(inference), SEQ)
                    .generate(prompt, SamplingConfig.greedy(30), tokenizer.eosTokenId());

            assertThat(tokenizer.decode(generated)).isEqualTo(SENTENCE.substring("the cat".length()));
            assertThat(generated.length).isLessThan(30); // stopped at EOS
            assertThat(Arrays.stream(generated).max().getAsInt()).isLessThan(tokenizer.vocabSize());
        }
    }
}
