package io.sparklora.core.demo;

import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.MaskedLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.tensor.CheckpointTensors;
import io.sparklora.core.text.SentencePairEncoder;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizerBuilder;
import io.sparklora.core.train.Evaluation;
import io.sparklora.core.train.MaskedLmRows;
import io.sparklora.core.train.MlmMasking;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped classification demo (deploy/demo/encoder, deploy/demo/data/classify.jsonl) is what {@code init-demo}
 * generates: the dataset and tokenizer byte for byte, a model the strict loader reads, pretrained (its masked-token
 * loss far below an untrained model's), and a pretraining that is a pure function of its seeds. (Regenerating the weights byte for byte
 * takes minutes and ND4J's float arithmetic may differ in the last bits on other CPUs, so it is not compared here.)
 */
class EncoderDemoAssetsTest {
    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library (the loader may be first)
    }

    private static final Path SHIPPED = Path.of("..", "deploy", "demo");

    @TempDir
    Path dir;

    @Test
    void shippedDatasetAndTokenizerAreTheGeneratedOnes() throws IOException {
        Path data = dir.resolve(EncoderDemoAssets.DATA_FILE);
        EncoderDemoAssets.writeDataset(data);
        assertThat(data).hasSameBinaryContentAs(SHIPPED.resolve(EncoderDemoAssets.DATA_FILE));
        assertThat(SHIPPED.resolve(EncoderDemoAssets.MODEL_DIR).resolve("tokenizer.json"))
                .hasContent(TokenizerBuilder.wordPiece(EncoderDemoCorpus.words()));
        List<EncoderDemoCorpus.Example> task = EncoderDemoCorpus.task();
        assertThat(task).hasSize(EncoderDemoCorpus.TASK_ROWS);
        assertThat(task.stream().filter(e -> e.label().equals("tame")).count()).isEqualTo(task.size() / 2);
        for (EncoderDemoCorpus.Pair p : EncoderDemoCorpus.pretraining()) { // the corpus never labels an animal
            assertThat(p.text() + " " + p.pair()).doesNotContain("tame").doesNotContain("wild");
        }
    }

    @Test
    void shippedEncoderLoadsStrictlyAndFramesSentencePairs() throws IOException {
        Path model = SHIPPED.resolve(EncoderDemoAssets.MODEL_DIR);
        BaseModel base = BaseModelLoader.load(model);
        assertThat(base.config().family()).isEqualTo(ModelFamily.BERT);
        assertThat(base.config().hiddenSize()).isEqualTo(64);
        assertThat(Files.size(model.resolve("model.safetensors"))).isLessThan(512 * 1024);
        try (TextTokenizer tokenizer = TextTokenizer.load(model.resolve("tokenizer.json"));
             CheckpointTensors tensors = CheckpointTensors.open(model)) {
            assertThat(tokenizer.vocabSize()).isEqualTo(base.config().vocabSize());
            SentencePairEncoder.Encoded row = new SentencePairEncoder(tokenizer, base.config())
                    .encode("It eats grass.", "it says moo.", 16);
            int[] expected = java.util.stream.Stream.of("[CLS]", "it", "eats", "grass", ".", "[SEP]", "it", "says", "moo",
                    ".", "[SEP]").mapToInt(t -> tokenizer.tokenId(t).orElseThrow()).toArray();
            assertThat(row.ids()).containsExactly(expected);
            assertThat(row.tokenTypes()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
            // BertForMaskedLM's head as transformers saves it: decoder.weight is tied to the word embeddings
            for (Map.Entry<String, long[]> e : MaskedLm.headShapes(base.config()).entrySet()) {
                assertThat(tensors.info(e.getKey()).shape()).as(e.getKey()).containsExactly(e.getValue());
            }
            assertThat(tensors.contains("cls.predictions.decoder.weight")).isFalse();
        }
    }

    @Test
    void shippedEncoderIsPretrained() throws IOException {
        Path model = SHIPPED.resolve(EncoderDemoAssets.MODEL_DIR);
        BaseModel loaded = BaseModelLoader.load(model);
        Map<String, INDArray> weights = new LinkedHashMap<>(loaded.weights());
        try (CheckpointTensors tensors = CheckpointTensors.open(model)) {
            for (Map.Entry<String, long[]> e : MaskedLm.headShapes(loaded.config()).entrySet()) {
                weights.put(e.getKey(), Arrays2.fromFloats(tensors.readFloats(e.getKey()), e.getValue()));
            }
        }
        BaseModel pretrained = BaseModel.of(loaded.config(), weights);
        try (TextTokenizer tokenizer = TextTokenizer.load(model.resolve("tokenizer.json"))) {
            double trained = maskedLoss(pretrained, tokenizer);
            double untrained = maskedLoss(EncoderDemoAssets.randomBase(loaded.config()), tokenizer);
            assertThat(trained).as("mean masked-token loss over the corpus, pretrained").isLessThan(1.5);
            assertThat(untrained).as("the same before pretraining: about ln(vocabulary)").isGreaterThan(3.5);
        }
    }

    /** The corpus's rows masked as pretraining masks them, with evaluation's fixed seed: the mean masked-token loss. */
    private static double maskedLoss(BaseModel base, TextTokenizer tokenizer) {
        SentencePairEncoder encoder = new SentencePairEncoder(tokenizer, base.config());
        List<SentencePairEncoder.Encoded> rows = EncoderDemoCorpus.pretraining().stream()
                .map(p -> encoder.encode(p.text(), p.pair(), EncoderDemoAssets.SEQ)).toList();
        MlmMasking masking = new MlmMasking(tokenizer.tokenId("[MASK]").orElseThrow(), base.config().vocabSize(),
                Set.of(0, tokenizer.tokenId("[CLS]").orElseThrow(), tokenizer.tokenId("[SEP]").orElseThrow()));
        try (MaskedLm mlm = MaskedLm.build(base, EngineSpec.training(EncoderDemoAssets.SEQ, TrainingMode.FULL),
                EncoderDemoAssets.SEED)) {
            Evaluation.Result r = new MaskedLmRows(mlm, masking, 0).evaluate(rows);
            return r.lossSum() / r.tokens();
        }
    }

    @Test
    void pretrainingIsAPureFunctionOfTheSeeds() throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(SHIPPED.resolve(EncoderDemoAssets.MODEL_DIR).resolve("tokenizer.json"))) {
            EncoderDemoAssets.Pretrained first = EncoderDemoAssets.pretrain(tokenizer, 3, m -> { });
            EncoderDemoAssets.Pretrained second = EncoderDemoAssets.pretrain(tokenizer, 3, m -> { });
            assertThat(second.loss()).isEqualTo(first.loss());
            assertThat(second.model().weights().keySet()).containsExactlyElementsOf(first.model().weights().keySet())
                    .contains("cls.predictions.bias");
            for (String name : first.model().weights().keySet()) {
                assertThat(Arrays2.toFloats(second.model().weight(name))).as(name)
                        .containsExactly(Arrays2.toFloats(first.model().weight(name)));
            }
            assertThat(second.model().fingerprint()).isEqualTo(first.model().fingerprint())
                    .isNotEqualTo(EncoderDemoAssets.randomBase(first.model().config()).fingerprint());
        }
    }
}
