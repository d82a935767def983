package io.sparklora.core.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DeBERTa-v3's input rows through a SentencePiece Unigram tokenizer.json of the shape transformers' converter
 * writes for DebertaV2TokenizerFast (Strip and Replace normalizers, WhitespaceSplit then Metaspace, a Unigram
 * model of [piece, score]), loaded by the native tokenizers library: [CLS] a [SEP] b [SEP], types 0 then 1.
 */
class DebertaPairEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPECIAL = List.of("[PAD]", "[CLS]", "[SEP]", "[UNK]");
    private static final List<String> PIECES = List.of("▁the", "▁cat", "▁sat", "▁on", "▁mat", "▁a", "▁dog", "s", "▁",
            "t", "h", "e", "c", "a", "o", "g", "d", "m", "n");

    @TempDir
    Path dir;

    private Path unigramTokenizer() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIAL.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIAL.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ArrayNode normalizers = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        normalizers.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
        normalizers.addObject().put("type", "Replace").put("content", "\"").putObject("pattern").put("String", "``");
        normalizers.addObject().put("type", "Replace").put("content", "\"").putObject("pattern").put("String", "''");
        ArrayNode pre = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        pre.addObject().put("type", "WhitespaceSplit");
        pre.addObject().put("type", "Metaspace").put("replacement", "▁").put("prepend_scheme", "always").put("split", true);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Metaspace").put("replacement", "▁").put("prepend_scheme", "always")
                .put("split", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "Unigram").put("unk_id", 3).put("byte_fallback", false);
        ArrayNode vocab = model.putArray("vocab");
        SPECIAL.forEach(s -> vocab.addArray().add(s).add(0.0));
        for (int i = 0; i < PIECES.size(); i++) {
            vocab.addArray().add(PIECES.get(i)).add(PIECES.get(i).length() > 2 ? -3.0 : -6.0);
        }
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, root.toPrettyString());
        return file;
    }

    private static int id(String piece) {
        return SPECIAL.contains(piece) ? SPECIAL.indexOf(piece) : SPECIAL.size() + PIECES.indexOf(piece);
    }

    @Test
    void buildsBertStylePairsThatTheEngineReads() throws IOException {
        ModelConfig config = TinyModels.debertaV3(List.of("no", "yes"), ProblemType.SINGLE_LABEL);
        try (TextTokenizer tokenizer = TextTokenizer.load(unigramTokenizer())) {
            SentencePairEncoder encoder = new SentencePairEncoder(tokenizer, config);
            SentencePairEncoder.Encoded row = encoder.encode("the cats sat", "a dog", 32);
            assertThat(row.ids()).containsExactly(id("[CLS]"), id("▁the"), id("▁cat"), id("s"), id("▁sat"), id("[SEP]"),
                    id("▁a"), id("▁dog"), id("[SEP]"));
            assertThat(row.tokenTypes()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1);

            SequenceBatch batch = encoder.batch(List.of(row, encoder.encode("the mat", null, 32)), 9, null);
            assertThat(batch.tokens()[9 + 4]).isEqualTo(id("[PAD]"));
            try (SequenceClassifier model = SequenceClassifier.build(TinyModels.random(config, 1), null,
                    EngineSpec.inference(9))) {
                for (double[] p : model.predictions(batch)) {
                    assertThat(p[0] + p[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }
}
